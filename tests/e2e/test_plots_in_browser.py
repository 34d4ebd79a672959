"""A farmer registers a plot on a phone: one tap takes the GPS position, the form saves, the page shows it."""
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.menu import click_nav


def test_farmer_registers_a_plot_with_the_phones_position(browser, live_server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="th-TH",
        geolocation={"latitude": 7.160512, "longitude": 100.418033, "accuracy": 8},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, "farmer")

        click_nav(page, '.mainnav [data-nav="plots.index"]')
        assert page.locator("table tbody tr").count() >= 2  # the demo plots of this farmer
        page.click("text=ลงทะเบียนแปลง")
        page.fill("#name", "แปลงทดสอบจากเบราว์เซอร์")
        page.select_option("#district_id", label="ควนเนียง")
        page.fill("#village", "บ้านทดสอบ")
        page.click("[data-geolocate]")
        page.wait_for_function("() => document.getElementById('latitude').value !== ''")  # a function: CSP forbids eval
        assert page.input_value("#latitude") == "7.160512"
        assert page.input_value("#longitude") == "100.418033"
        page.fill("#area_rai", "2")
        page.fill("#area_ngan", "1")
        page.check("text=ผักบุ้ง")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "farmer-plot-form.png"), full_page=True)
        page.click("main form button[type=submit]")

        page.wait_for_selector(".flash-success")
        assert "แปลงทดสอบจากเบราว์เซอร์" in page.locator("h1").inner_text()
        body = page.content()
        assert "7.160512, 100.418033" in body and "2 ไร่ 1 งาน" in body and "ผักบุ้ง" in body
        page.screenshot(path=str(ARTIFACTS / "farmer-plot-detail.png"), full_page=True)
    finally:
        context.close()
