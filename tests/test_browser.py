"""In a real browser: the deferred cart panel is fetched and swapped in by deferred.js."""

from urllib.parse import urlparse

import pytest

from tests.requirements import need_module, require_binary

LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser():
    sync_playwright = need_module(
        "playwright.sync_api",
        "pip install playwright (in the test extras; never playwright install)",
    ).sync_playwright
    executable = require_binary("chromium", "chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield browser
        browser.close()


@pytest.mark.urls("sandbox.urls")
@pytest.mark.django_db(transaction=True)
def test_deferred_cart_is_filled_in_the_browser(browser, live_server):
    page = browser.new_page()
    outside = []

    def only_loopback(route):
        if urlparse(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    page.goto(f"{live_server.url}/features/deferred/add/")  # puts one item in the cart
    page.wait_for_selector(".cart .cart-items", timeout=10_000)
    assert page.inner_text(".cart .cart-items").startswith("1 item in your cart")
    assert page.locator("[data-layouts-deferred]").count() == 0  # the placeholder is gone
    page.click(".cart a")  # add another: the page is the same, the cart is not
    page.wait_for_function(
        "document.querySelector('.cart .cart-items')"
        " && document.querySelector('.cart .cart-items').innerText.startsWith('2 items')"
    )
    assert outside == []
