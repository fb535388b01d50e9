"""In a real browser: the deferred cart panel is swapped in by deferred.js, and the
sandbox's stampede and invalidation demos show what happened."""

from urllib.parse import urlparse

import pytest

from tests.requirements import need_module, require_binary
from tests.sandbox_site import served

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


def loopback_page(browser, outside):
    """Return a new page that reaches loopback hosts only (the others go to ``outside``)."""
    page = browser.new_page()

    def only_loopback(route):
        if urlparse(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    return page


@pytest.mark.urls("sandbox.urls")
@pytest.mark.django_db(transaction=True)
def test_deferred_cart_is_filled_in_the_browser(browser, live_server):
    outside = []
    page = loopback_page(browser, outside)
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


@pytest.fixture(scope="module")
def sandbox():
    """The sandbox as configured (badges on), served by gunicorn on Redis: 4 processes."""
    need_module("gunicorn", "pip install gunicorn (in the test extras)")
    with served() as site:
        yield site


def test_stampede_button_shows_one_render_for_eight_requests(browser, sandbox):
    outside = []
    page = loopback_page(browser, outside)
    page.goto(f"{sandbox.base}/features/stampede/")
    for run in ("1", "2"):  # a second time: the button starts again from a cold panel
        page.click("form[data-stampede] button")
        done = f"#stampede-result[data-done=true][data-run='{run}']"
        page.wait_for_selector(done, timeout=30_000)
        assert page.inner_text('[data-result="requests"]') == "8"
        assert page.inner_text('[data-result="renders"]') == "1"
        states = page.locator("#stampede-result li").evaluate_all(
            "items => items.map(item => item.dataset.state)"
        )
        assert len(states) == 8 and states.count("miss") == 1
        assert set(states) <= {"miss", "waited", "hit"}
        assert "1 \u00d7 miss" in page.inner_text('[data-result="summary"]')
    assert outside == []


def invalidation_rows(page, run):
    """Return {(page path, part): (before, after, highlighted)} from the demo's table."""
    done = f"#invalidation-result[data-done=true][data-run='{run}']"
    page.wait_for_selector(done, timeout=30_000)
    rows = page.locator("#invalidation-result tbody tr").evaluate_all(
        """rows => rows.map(row => [row.dataset.page, row.dataset.part,
             row.cells[2].innerText, row.cells[3].innerText,
             row.cells[3].classList.contains("changed")])"""
    )
    return {(path, part): (before, after, hot) for path, part, before, after, hot in rows}


def test_invalidation_demo_shows_what_a_save_rebuilt(browser, sandbox):
    here, other = "/features/invalidation/", "/features/invalidation/without-sidebar/"
    outside = []
    page = loopback_page(browser, outside)
    page.goto(f"{sandbox.base}{here}")
    page.click("text=Save an article")
    rows = invalidation_rows(page, "1")
    assert rows[(here, "page")] == ("page hit", "rendered", True)
    assert rows[(here, "sidebar")] == ("baked", "miss", True)
    assert rows[(here, "nav")] == ("baked", "hit", False)
    assert rows[(here, "account")] == ("hole · hit", "hit", False)
    assert rows[(other, "page")] == ("page hit", "page hit", False)  # no sidebar on it
    assert rows[(other, "nav")] == ("baked", "baked", False)
    page.click("text=Save an author")
    rows = invalidation_rows(page, "2")
    assert rows[(here, "nav")] == ("baked", "miss", True)
    assert rows[(here, "sidebar")] == ("baked", "hit", False)
    assert rows[(other, "page")] == ("page hit", "assembled", True)  # its nav changed
    assert outside == []
