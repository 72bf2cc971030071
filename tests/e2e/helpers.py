"""Steps shared by the browser tests."""

from playwright.sync_api import expect


def open_menu(page):
    """Open the collapsed phone navigation once Bootstrap's script is wired up."""
    page.wait_for_load_state()
    page.get_by_role("button", name="展开导航").click()
    menu = page.locator("#mainNav")
    expect(menu).to_be_visible()
    return menu
