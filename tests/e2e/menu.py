"""On a phone the main menu is folded behind one toggle: open it before clicking a link in it."""


def open_menu(page) -> None:
    """Open the folded menu if it is folded (on a wide screen it is always open, and this does nothing)."""
    button = page.locator(".mainnav .menu-button")
    if button.is_visible() and not page.locator("#menu-toggle").is_checked():
        button.click()


def click_nav(page, selector: str) -> None:
    """Follow a menu link and wait for the new page: a bare click returns before the page has come."""
    open_menu(page)
    with page.expect_navigation():
        page.click(selector)
