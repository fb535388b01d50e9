"""Streamed pages in a real browser: the shell shows first, each panel lands in its place."""

import secrets

import pytest
from django.urls import path

from layouts_cbv import Panel
from tests import test_streaming as streamed
from tests.test_browser import browser  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.urls(__name__)]

# Comments and whitespace differ between the two ways a page is sent; elements do not.
BODY = """() => {
    const copy = document.body.cloneNode(true);
    const walker = document.createTreeWalker(copy, NodeFilter.SHOW_COMMENT);
    const comments = [];
    while (walker.nextNode()) comments.push(walker.currentNode);
    comments.forEach((c) => c.remove());
    return copy.innerHTML.replace(/\\s+/g, " ").replace(/> </g, "><");
}"""


class WithPolicy(streamed.Page):
    """Sets a CSP that allows only scripts with this response's nonce."""

    def setup(self, request, *args, **kwargs):
        request.csp_nonce = request._csp_nonce = secrets.token_urlsafe(16)
        super().setup(request, *args, **kwargs)

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        nonce = self.request._csp_nonce
        response["Content-Security-Policy"] = f"script-src 'nonce-{nonce}'"
        return response


class NoInlineScripts(streamed.Page):
    """Sets django-csp's default policy, which allows no inline script."""

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response["Content-Security-Policy"] = "default-src 'self'"
        return response


def comment(request):
    # A visitor's text, escaped as Django escapes it: it must stay text.
    return '<p class="comment">&lt;img src=x onerror="window.pwned=1"&gt;</p>'


class Comment(streamed.Page):
    slow = Panel(comment, stream=True)


class Rows(streamed.Page):
    rows = Panel(streamed.gated("other", "<li>one</li><li>two</li>"), stream=True)


def with_noscript(request):
    # Lazy images and tracking pixels carry a <noscript> of their own.
    return '<p>a picture</p><noscript><img src="/static/pixel.gif" alt="pixel"></noscript>'


class OwnNoscript(streamed.Page):
    slow = Panel(with_noscript, stream=True)


class OwnNoscriptWhole(streamed.Page):
    slow = Panel(with_noscript)


class TwiceLayout(streamed.StreamLayout):
    template = "streaming/twice.html"


class Twice(streamed.Page):
    layout = TwiceLayout


class TwiceWhole(streamed.Whole):
    layout = TwiceLayout


urlpatterns = [
    *streamed.urlpatterns,
    path("twice/", Twice.as_view()),
    path("twice-whole/", TwiceWhole.as_view()),
    path("policy/", WithPolicy.as_view()),
    path("rows/", Rows.as_view()),
    path("comment/", Comment.as_view()),
    path("no-inline/", NoInlineScripts.as_view()),
    path("noscript/", OwnNoscript.as_view()),
    path("noscript-whole/", OwnNoscriptWhole.as_view()),
]


@pytest.fixture(autouse=True)
def gates():
    yield streamed.new_gates()
    streamed.open_gates()


def shown_before_the_panel(page, url, gates):
    """Open ``url``, check the shell is on screen while the slow panel is held, then let it go."""
    page.goto(url, wait_until="commit")
    page.wait_for_selector("main h1", timeout=10_000)
    assert page.inner_text("aside") == "loading…"
    assert not gates["slow"].opened.is_set()
    # The browser's own clock: the response began before the panel could finish.
    started = page.evaluate("performance.getEntriesByType('navigation')[0].responseStart")
    opened_at = page.evaluate("performance.now()")
    gates["slow"].opened.set()
    page.wait_for_selector("aside p:text-is('the slow panel')", timeout=10_000)
    assert page.inner_text("aside") == "the slow panel"
    assert started < opened_at


def test_the_shell_shows_first_and_the_page_ends_as_if_sent_whole(browser, live_server, gates):  # noqa: F811
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    shown_before_the_panel(page, f"{live_server.url}/page/", gates)
    page.wait_for_load_state("load")
    streamed_body = page.evaluate(BODY)
    page.goto(f"{live_server.url}/whole/")
    assert streamed_body == page.evaluate(BODY)
    assert errors == []


def test_table_rows_and_list_items_are_parsed_where_they_belong(browser, live_server, gates):  # noqa: F811
    gates["slow"].opened.set()
    page = browser.new_page()
    page.goto(f"{live_server.url}/rows/", wait_until="commit")
    gates["other"].opened.set()
    page.wait_for_selector("ul.rows li")
    assert page.eval_on_selector_all("ul.rows > li", "items => items.map(i => i.innerText)") == [
        "one",
        "two",
    ]


def test_without_javascript_every_panel_still_shows(browser, live_server, gates):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    gates["slow"].opened.set()
    page.goto(f"{live_server.url}/page/")
    text = page.inner_text("body")
    assert "the slow panel" in text and "The article" in text and "the nav" in text
    context.close()


def test_a_policy_that_requires_nonces_lets_the_placement_run(browser, live_server, gates):  # noqa: F811
    page = browser.new_page()
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security" in message.text else None
        ),
    )
    shown_before_the_panel(page, f"{live_server.url}/policy/", gates)
    assert refused == []
    assert page.locator("noscript[data-layouts-stream], script").count() == 0


def test_a_panel_with_its_own_noscript_shows_with_and_without_javascript(browser, live_server):  # noqa: F811
    page = browser.new_page()
    page.goto(f"{live_server.url}/noscript/")
    page.wait_for_load_state("load")
    streamed_body = page.evaluate(BODY)
    page.goto(f"{live_server.url}/noscript-whole/")
    assert streamed_body == page.evaluate(BODY)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/noscript/")
    assert "a picture" in page.inner_text("body")
    assert page.locator("img[alt=pixel]").count() == 1
    context.close()


def test_a_panel_the_layout_prints_twice_lands_in_both_places(browser, live_server, gates):  # noqa: F811
    gates["slow"].opened.set()
    page = browser.new_page()
    page.goto(f"{live_server.url}/twice/")
    page.wait_for_load_state("load")
    assert page.locator("p:text-is('the slow panel')").count() == 2
    streamed_body = page.evaluate(BODY)
    page.goto(f"{live_server.url}/twice-whole/")
    assert streamed_body == page.evaluate(BODY)


def test_a_policy_that_forbids_inline_scripts_gets_the_page_whole(browser, live_server, gates):  # noqa: F811
    gates["slow"].opened.set()
    page = browser.new_page()
    page.goto(f"{live_server.url}/no-inline/")
    page.wait_for_load_state("load")
    assert page.inner_text("aside") == "the slow panel"
    streamed_body = page.evaluate(BODY)
    page.goto(f"{live_server.url}/whole/")
    assert streamed_body == page.evaluate(BODY)


# What Turbo Drive and htmx's history restore do: fetch the page, parse it with a
# DOMParser (where scripting is off, so <noscript> holds elements), swap the body in,
# and run its scripts again as new elements.
SWAP_LIKE_TURBO = """async (url) => {
    const html = await (await fetch(url)).text();
    const parsed = new DOMParser().parseFromString(html, "text/html");
    document.body.replaceWith(document.adoptNode(parsed.body));
    for (const old of document.body.querySelectorAll("script")) {
        const script = document.createElement("script");
        for (const { name, value } of old.attributes) script.setAttribute(name, value);
        script.textContent = old.textContent;
        old.replaceWith(script);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    return [window.pwned || null, document.querySelector("aside").innerHTML];
}"""


def test_a_page_swapped_in_by_a_navigation_library_keeps_escaped_text_as_text(
    browser,  # noqa: F811
    live_server,
    gates,
):
    gates["slow"].opened.set()
    page = browser.new_page()
    page.goto(f"{live_server.url}/whole/")
    pwned, aside = page.evaluate(SWAP_LIKE_TURBO, f"{live_server.url}/comment/")
    assert pwned is None
    assert "<img" not in aside and "&lt;img" in aside
