"""In a real browser: the deferred cart panel is fetched and swapped in by deferred.js."""

import os
import shutil
from urllib.parse import urlparse

import pytest

LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def need(thing, how):
    message = f"{thing} is needed for browser tests: {how}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need("playwright", "pip install -e '.[test]'")
    executable = shutil.which("chromium")
    if executable is None:
        need("Debian's chromium", "apt-get install -y chromium (make test does it as root)")
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
