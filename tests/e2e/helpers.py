"""Steps shared by the browser tests."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE

SMALL_PHONE = {**PHONE, "viewport": {"width": 360, "height": 780}}
DESKTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN",
           "reduced_motion": "reduce"}


def sign_in(browser, live_server, user, *, timeout=5000, **context_options):
    """A fresh browser context (a 360 px phone unless told otherwise) signed in as `user`
    through the real login form, on the home page with its scripts wired."""
    context = browser.new_context(**(context_options or SMALL_PHONE))
    context.set_default_timeout(timeout)
    page = context.new_page()
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(live_server.url + reverse("portal:home"))
    page.wait_for_load_state()  # Bootstrap's collapse must be wired before the menu is used
    return page


def fits_width(page, width=360):
    """Nothing sticks out sideways: no horizontal scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def open_menu(page):
    """Open the collapsed phone navigation once Bootstrap's script is wired up."""
    page.wait_for_load_state()
    page.get_by_role("button", name="展开导航").click()
    menu = page.locator("#mainNav")
    # Fully open (Bootstrap's "show", not "collapsing"), so its links take a click.
    expect(menu).to_have_class(re.compile(r"\bshow\b"))
    return menu


def answer_confirm(page, answer="确定"):
    """Answer the page's own confirmation dialog (templates/includes/confirm_modal.html) once
    it is open; returns the question it asked."""
    modal = page.get_by_role("dialog")
    # Open (not fading in, when Bootstrap ignores 取消): one of its answers has the focus.
    expect(modal.locator(".modal-footer button:focus")).to_have_count(1)
    question = modal.locator("#confirm-modal-message").inner_text()
    modal.get_by_role("button", name=answer, exact=True).click()
    return question
