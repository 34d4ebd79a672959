"""The working roles on a 390 × 844 phone, in Thai: every page they reach from their desk fits the screen
(nothing scrolls sideways), every control they need is a 44 × 44 px thumb target, the folded menu takes at
most 15 % of the first screen, and axe-core finds no serious or critical accessibility violation.

Touch-target rule (WCAG 2.5.5 with its exceptions): a link, button, input, select, textarea, summary or
button-like label that is visible must measure at least 44 px high and 44 px wide, except
- a link that is inline in running text (display: inline and its block holds other words), which the
  reader taps like a word in a sentence (WCAG's "inline" exception);
- a check box or radio button: its label (or the list row holding it, when that row is 44 px high) is the
  target and is measured instead; likewise a file input inside a label drawn as a button;
- controls inside a table that stays a table on a phone (wide reference tables that scroll inside their own
  box: registers, invoices, delivery notes); lists a role works through are `.table.stack` and are measured;
- the menu's checkbox (its label is the button) and visually hidden elements.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.menu import open_menu

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
WIDTH, HEIGHT = 390, 844
MIN_TARGET = 44
MENU_SHARE = 0.15

# Beyond the links of their menu, the pages each role reaches from it: the first link matching each
# pattern on any page already visited (a plot, an application, an inspection form, a lot, an order...).
FOLLOW = {
    "farmer": [r"^/plots/[A-Z0-9]+$", r"^/plots/new$", r"^/plots/[A-Z0-9]+/apply$", r"^/applications/\d+$", r"^/orders/\d+$",
               r"^/farm/listings/new$", r"^/farm/listings/\d+/edit$", r"^/market/\d+$", r"^/orders/picklist$"],
    "inspector": [r"^/inspections/assignments/\d+$", r"^/plots/[A-Z0-9]+$", r"^/applications/\d+$",
                  r"^/market/\d+$"],
    "coordinator": [r"^/applications/\d+$", r"^/plots/[A-Z0-9]+$", r"^/plots/new$", r"^/market/\d+$",
                    r"^/rubber/groups/\d+$", r"^/rubber/lots/\d+$", r"^/bulk/orders/\d+$"],
}
SKIP = re.compile(r"^/(logout|lang|static|media|p/)|\.(csv|png|svg|jpg|pdf)$|/export")

MEASURE = """
() => {
  const min = %d;
  const visible = el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 2 && r.height > 2 && s.visibility !== 'hidden' && s.display !== 'none' && s.opacity !== '0';
  };
  const inRunningText = el => {
    if (getComputedStyle(el).display !== 'inline') return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display === 'inline') block = block.parentElement;
    const own = (el.textContent || '').trim();
    return (block.textContent || '').replace(own, '').replace(/[\\s·|,›‹→]+/g, '').length > 0;
  };
  const inPlainTable = el => { const t = el.closest('table'); return t && !t.classList.contains('stack'); };
  const small = [];
  const controls = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, label.button, label.photo-button');
  for (const el of controls) {
    if (el.matches('input[type=file]') && el.closest('label')) continue;  // its label is the button
    if (el.id === 'menu-toggle' || el.closest('.visually-hidden') || el.closest('[hidden]')) continue;
    if (el.closest('noscript')) continue;
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      target = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el;
      if (target !== el && target.closest('li') && target.closest('.checks, .field')) {
        const row = target.closest('li');
        if (row.getBoundingClientRect().height >= min) target = row;
      }
    }
    if (!visible(target)) continue;
    if (el.matches('a') && inRunningText(el)) continue;
    if (inPlainTable(el)) continue;
    const r = target.getBoundingClientRect();
    if (r.height < min - 0.5 || r.width < min - 0.5) {
      small.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).split(' ').join('.') : ''}`
                 + ` "${(el.textContent || el.value || el.name || '').trim().slice(0, 30)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
  }
  return small;
}
""" % MIN_TARGET

# A link inside a sentence stays inline: blown up to a 44 px box, it pushed the lines around it apart.
SENTENCE_LINKS = """
() => [...document.querySelectorAll('main p > a:not(.button)')].filter(a => {
  const rest = a.parentElement.textContent.replace(a.textContent, '').replace(/[\\s·|,›‹→]+/g, '');
  return rest.length > 0 && getComputedStyle(a).display !== 'inline';
}).map(a => `"${a.textContent.trim().slice(0, 30)}" is ${getComputedStyle(a).display}`)
"""

AXE_RUN = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(' | ')}`);
}
"""


def _path(url: str, base: str) -> str:
    return url[len(base):] if url.startswith(base) else url


def _check(page, name: str) -> list[str]:
    """Every rule on the page open now; returns what fails, each line naming the page."""
    problems = []
    page.wait_for_load_state("load")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-scroll'))
            .slice(0, 3).map(e => e.tagName + '.' + e.className)""")
        problems.append(f"{name}: scrolls sideways ({width[0]} > {width[1]}): {wide}")
    menu_bottom = page.evaluate("() => document.querySelector('.mainnav').getBoundingClientRect().bottom + scrollY")
    if menu_bottom > MENU_SHARE * HEIGHT:
        problems.append(f"{name}: header and folded menu end at {menu_bottom:.0f} px > {MENU_SHARE * HEIGHT:.0f} px")
    problems += [f"{name}: small target {t}" for t in page.evaluate(MEASURE)]
    problems += [f"{name}: link in a sentence {t}" for t in page.evaluate(SENTENCE_LINKS)]
    page.add_script_tag(path=str(AXE))
    problems += [f"{name}: axe {v}" for v in page.evaluate(AXE_RUN)]
    return problems


def _fill_cart(page, base: str) -> None:
    """Put one product in the cart, so the cart page shows its lines, update and remove buttons."""
    page.goto(base + "/market")
    link = page.locator("main .product-title a").first
    if link.count() == 0:
        return
    link.click()
    add = page.locator("main form[action*='/cart/add/'] button[type=submit]")
    if add.count():
        add.first.click()
        page.wait_for_url(base + "/cart")


def _order_from_a_consumer(browser, live_server) -> None:
    """A consumer orders (cash at pickup, with a note), so the farmer's incoming orders hold a card to act on."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="th-TH")
    page = context.new_page()
    try:
        sign_in(page, live_server, "consumer")
        _fill_cart(page, live_server["url"])
        page.check("input[name=payment_method][value=cash]")
        page.fill("[name=note]", "ขอผักที่ยังไม่ได้ล้าง ช่วยโทรก่อนส่งด้วยค่ะ")
        with page.expect_navigation():
            page.click("form[action$='/checkout'] button[type=submit]")
    finally:
        context.close()


@pytest.mark.parametrize("role", ["farmer", "inspector", "coordinator"])
def test_working_roles_on_a_phone(browser, live_server, role):
    base = live_server["url"]
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="th-TH",
                                  is_mobile=True, has_touch=True, device_scale_factor=1,
                                  bypass_csp=True)  # axe is injected as an inline script
    page = context.new_page()
    page.set_default_timeout(15000)
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    if role == "farmer":
        _order_from_a_consumer(browser, live_server)
    try:
        sign_in(page, live_server, role)
        desk = _path(page.url, base)
        assert page.locator("html").get_attribute("lang") == "th"
        # The folded menu: one row; opened, every link of the role is there and reachable.
        page.screenshot(path=str(ARTIFACTS / f"phone-{role}-menu-folded.png"))
        assert not page.locator(".mainnav [data-nav]").first.is_visible()
        open_menu(page)
        links = page.locator(".mainnav [data-nav]")
        assert all(links.nth(i).is_visible() for i in range(links.count()))
        page.screenshot(path=str(ARTIFACTS / f"phone-{role}-menu-open.png"))
        pages = [desk] + [_path(h, base) for h in page.eval_on_selector_all(".mainnav [data-nav]", "els => els.map(e => e.href)")]

        _fill_cart(page, base)
        seen: set[str] = set()
        patterns = list(FOLLOW[role])
        while pages:
            path = pages.pop(0)
            if path in seen or SKIP.search(path):
                continue
            seen.add(path)
            response = page.goto(base + path)
            assert response.status < 400, f"{path}: {response.status}"
            slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
            page.screenshot(path=str(ARTIFACTS / f"phone-{role}-{slug}.png"), full_page=True)
            problems += _check(page, path)
            hrefs = [_path(h, base) for h in page.eval_on_selector_all("main a[href]", "els => els.map(e => e.href)")]
            for pattern in list(patterns):
                found = next((h for h in hrefs if re.match(pattern, h) and h not in seen), None)
                if found:
                    pages.append(found)
                    patterns.remove(pattern)
        assert len(seen) >= 8, seen
        if role == "farmer":  # the incoming order: a card, the consumer's note and its action inside the screen
            page.goto(base + "/farm/orders")
            card = page.locator("main table.stack tbody tr").first
            assert "ขอผักที่ยังไม่ได้ล้าง" in card.inner_text()
            button = card.locator(".row-action button")
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH and box["height"] >= MIN_TARGET
            page.screenshot(path=str(ARTIFACTS / f"phone-{role}-incoming-order.png"), full_page=True)
        # The cart: each line has its own remove button, and it works.
        page.goto(base + "/cart")
        remove = page.locator("main .remove-form button")
        if remove.count():
            lines = remove.count()
            with page.expect_navigation():
                remove.first.click()
            assert page.locator("main .remove-form button").count() == lines - 1
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_wide_screen_keeps_the_full_menu_and_tables(browser, live_server):
    base = live_server["url"]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="th-TH")
    page = context.new_page()
    try:
        sign_in(page, live_server, "coordinator")
        assert not page.locator(".mainnav .menu-button").is_visible()
        links = page.locator(".mainnav [data-nav]")
        assert links.count() >= 10 and all(links.nth(i).is_visible() for i in range(links.count()))
        page.goto(base + "/plots")
        assert page.locator("main table.stack thead").is_visible()  # a table again, with its header row
        assert page.locator("details.filter-fold").get_attribute("open") is not None  # room to show the filters
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "wide-coordinator-plots.png"))
    finally:
        context.close()
