"""Streamed pages: the shell first, each slow panel into its place when ready, one response."""

import asyncio
import gzip
import re
import threading

import pytest
from asgiref.sync import async_to_sync
from django.http import HttpResponse
from django.middleware.csrf import CSRF_SESSION_KEY  # noqa: F401  (documents the cookie name)
from django.template import engines
from django.test import AsyncClient, Client
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import Layout, LayoutMixin, Panel, cache, report
from layouts_cbv.queues import add_script, add_style
from layouts_cbv.streaming import StreamedPage

pytestmark = [pytest.mark.urls(__name__)]

WAIT = 10  # seconds a test waits for something that should happen at once


class Gate:
    """Holds a panel's render until the test opens it: proves what was sent before."""

    def __init__(self):
        self.opened = threading.Event()
        self.renders = 0

    def panel(self, html):
        def render(request):
            self.renders += 1
            assert self.opened.wait(WAIT), "the gate was never opened"
            return html

        return render


GATES: dict[str, Gate] = {}


def gated(name, html):
    def render(request):
        return GATES[name].panel(html)(request)

    return render


def nav(request):
    return "<p>the nav</p>"


def rows(request):
    return "<li>one</li><li>two</li>"


def with_queues(request):
    add_script(request, "/static/slow.js")
    add_style(request, "/static/slow.css")
    return "<p>slow with queues</p>"


def broken(request):
    raise RuntimeError("the slow panel broke")


def form_panel(request):
    template = engines["django"].from_string(
        '<form method="post">{% csrf_token %}<button>go</button></form>'
    )
    return template.render({}, request)


def greets_user(request):
    return f"<p>hi {request.user}</p>"


class StreamLayout(Layout):
    template = "streaming/layout.html"
    streamnav = Panel(nav, cache=cache.sitewide(60))
    slow = Panel(gated("slow", "<p>the slow panel</p>"), stream=True)
    rows = Panel(rows)


class Page(LayoutMixin, TemplateView):
    layout = StreamLayout
    template_name = "streaming/content.html"


class Whole(Page):
    slow = Panel(gated("slow", "<p>the slow panel</p>"))


class EveryPanel(Page):
    stream_panels = True
    slow = Panel(gated("slow", "<p>the slow panel</p>"))
    other = Panel(gated("other", "<p>the other panel</p>"))


class Queues(Page):
    slow = Panel(with_queues, stream=True)


class Broken(Page):
    slow = Panel(broken, stream=True)


class Form(Page):
    slow = Panel(form_panel, stream=True)


class CachedSlow(Page):
    slow = Panel(gated("slow", "<p>the slow panel</p>"), stream=True, cache=cache.sitewide(60))


class PagedWithHole(Page):
    page_cache = cache.per_path(60)
    slow = Panel(greets_user, stream=True)  # uncached: a hole of the stored page


urlpatterns = [
    path("page/", Page.as_view()),
    path("whole/", Whole.as_view()),
    path("every/", EveryPanel.as_view()),
    path("queues/", Queues.as_view()),
    path("broken/", Broken.as_view()),
    path("form/", Form.as_view()),
    path("cached/", CachedSlow.as_view()),
    path("paged/", PagedWithHole.as_view()),
]


def new_gates():
    GATES.clear()
    GATES.update(slow=Gate(), other=Gate())
    return GATES


def open_gates():
    for gate in GATES.values():
        gate.opened.set()


@pytest.fixture(autouse=True)
def gates():
    yield new_gates()
    open_gates()


def chunks(response):
    return (chunk.decode() for chunk in response.streaming_content)


def opened_all(response):
    open_gates()
    return "".join(chunks(response))


def test_the_shell_is_sent_before_the_slow_panel_is_done(client, gates):
    response = client.get("/page/")
    assert isinstance(response, StreamedPage) and response.streaming
    stream = chunks(response)
    shell = next(stream)  # the slow panel is still held at its gate
    assert gates["slow"].renders in (0, 1) and not gates["slow"].opened.is_set()
    assert "<h1>The article</h1>" in shell and "<p>the nav</p>" in shell
    assert "<li>one</li><li>two</li>" in shell
    assert '<p class="waiting">loading…</p>' in shell
    assert "the slow panel" not in shell
    gates["slow"].opened.set()
    rest = list(stream)
    assert "<p>the slow panel</p>" in rest[0]
    assert rest[-1].rstrip().endswith("</html>")


def test_each_chunk_puts_its_panel_in_place_and_works_without_javascript(client, gates):
    body = opened_all(client.get("/page/"))
    chunk = re.search(
        r'<noscript data-layouts-stream="slow">(.*?)</noscript>'
        r"<script>layoutsCbvPlace\(document.currentScript\)</script>",
        body,
    )
    assert chunk and chunk.group(1) == "<!----><p>the slow panel</p>"
    assert body.count("window.layoutsCbvPlace") == 1
    # The fallback is marked for the script to replace.
    assert (
        '<!--layouts_cbv:hole:slow--><p class="waiting">loading…</p><!--layouts_cbv:/hole:slow-->'
        in body
    )


def test_read_whole_the_page_equals_the_page_not_streamed(client, gates):
    for gate in gates.values():
        gate.opened.set()
    streamed = client.get("/page/")
    assert streamed.content.decode() == client.get("/whole/").content.decode()
    assert not streamed.streaming


def test_stream_panels_streams_every_panel_not_in_the_cache_in_the_order_done(client, gates):
    response = client.get("/every/")
    stream = chunks(response)
    shell = next(stream)
    assert "<p>the nav</p>" not in shell  # cold: streamed as well
    gates["slow"].opened.set()
    gates["other"].opened.set()
    body = shell + "".join(stream)
    order = [m.group(1) for m in re.finditer(r'data-layouts-stream="(\w+)"', body)]
    assert order == ["streamnav", "slow", "rows", "other"]  # declaration order under WSGI
    warm = client.get("/every/")
    shell = next(chunks(warm))
    assert "<p>the nav</p>" in shell  # from the cache: ready, so in the shell
    opened_all(warm)


def test_async_panels_of_an_asgi_page_stream_in_the_order_they_finish(gates):
    finished = []

    async def fast(request):
        await asyncio.sleep(0.05)
        finished.append("fast")
        return "<p>fast</p>"

    async def slower(request):
        await asyncio.sleep(0.3)
        finished.append("slower")
        return "<p>slower</p>"

    class Async(Page):
        slow = Panel(slower, stream=True)
        other = Panel(fast, stream=True)

    async def fetch():
        from django.test import override_settings

        with override_settings(ROOT_URLCONF=_urls(path("async/", Async.as_view()))):
            response = await AsyncClient().get("/async/")
            assert response.streaming and response.is_async
            return [chunk.decode() async for chunk in response.streaming_content]

    parts = async_to_sync(fetch)()
    streamed = [m.group(1) for m in re.finditer(r'data-layouts-stream="(\w+)"', "".join(parts))]
    assert streamed == ["other", "slow"] == ["other" if n == "fast" else "slow" for n in finished]
    assert len(parts) == 4  # shell, one chunk each, tail


def _urls(*patterns):
    import types

    module = types.ModuleType("streaming_async_urls")
    module.urlpatterns = list(patterns)
    import sys

    sys.modules[module.__name__] = module
    return module.__name__


def test_a_failing_streamed_panel_shows_the_error_template_in_its_slot(client):
    body = "".join(chunks(client.get("/broken/")))
    slot = re.search(r'<noscript data-layouts-stream="slow">(.*?)</noscript>', body, re.S)
    assert slot and "layouts-panel-error" in slot.group(1)
    assert "<h1>The article</h1>" in body and body.rstrip().endswith("</html>")


def test_queue_items_of_a_streamed_panel_appear_once(client):
    body = "".join(chunks(client.get("/queues/")))
    assert body.count('src="/static/slow.js"') == 1
    assert body.count('href="/static/slow.css"') == 1
    # The styles were sent with <head>: the late one comes with the tail, in <body>.
    assert body.index('href="/static/slow.css"') > body.index("<body>")


def test_headers_are_decided_before_the_first_byte(client):
    response = client.get("/form/")
    assert "private" in response["Cache-Control"]
    assert response["X-Accel-Buffering"] == "no"
    cookie = response.cookies["csrftoken"].value  # set, though the form renders later
    body = "".join(chunks(response))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    from django.middleware.csrf import _does_token_match

    assert _does_token_match(token, cookie)


def test_head_and_partial_requests_get_a_normal_response(client, gates, settings):
    gates["slow"].opened.set()
    assert not client.head("/page/").streaming
    settings.LAYOUTS_CBV = {"PARTIAL_DETECTORS": ["layouts_cbv.detection.htmx"]}
    assert not client.get("/page/", headers={"HX-Request": "true"}).streaming


def test_a_streamed_panel_found_in_the_cache_goes_in_the_shell(client, gates):
    gates["slow"].opened.set()
    first = client.get("/cached/")
    assert first.streaming and "<p>the slow panel</p>" in "".join(chunks(first))
    second = client.get("/cached/")
    assert not second.streaming  # nothing left to stream: the page is sent whole
    assert "<p>the slow panel</p>" in second.content.decode()
    assert gates["slow"].renders == 1


def test_a_streamed_panel_another_request_is_rendering_arrives_in_its_chunk(gates):
    first = {}

    def another_request():
        first["body"] = "".join(chunks(Client().get("/cached/")))

    thread = threading.Thread(target=another_request)
    thread.start()
    try:
        for _ in range(WAIT * 100):  # until it holds the panel's lock, held at the gate
            if gates["slow"].renders:
                break
            threading.Event().wait(0.01)
        response = Client().get("/cached/")
        assert response.streaming  # not in the cache yet: streamed
        threading.Timer(0.2, gates["slow"].opened.set).start()
        body = "".join(chunks(response))  # waits for the other request's render
    finally:
        gates["slow"].opened.set()
        thread.join(WAIT)
    assert gates["slow"].renders == 1  # rendered once, by the other request
    assert '<noscript data-layouts-stream="slow"><!----><p>the slow panel</p>' in body
    assert "<p>the slow panel</p>" in first["body"]


def test_with_caching_off_the_page_still_streams(client, gates, settings):
    settings.LAYOUTS_CBV = {"CACHE_ENABLED": False}
    assert "<p>the slow panel</p>" in opened_all(client.get("/page/"))


@pytest.mark.django_db
def test_a_page_cache_hit_streams_its_holes(client, django_user_model):
    anonymous = "".join(chunks(client.get("/paged/")))
    assert "<p>hi AnonymousUser</p>" in anonymous
    alice = Client()
    alice.force_login(django_user_model.objects.create_user("alice"))
    response = alice.get("/paged/")
    assert response.streaming and "page;desc=" not in response.get("Server-Timing", "")
    body = "".join(chunks(response))
    assert "<p>hi alice</p>" in body and "AnonymousUser" not in body
    assert "Cookie" in response["Vary"] and "private" in response["Cache-Control"]
    assert "ETag" not in response  # what the holes will hold is not known yet
    states = {row["name"]: row["state"] for row in report.records(response.wsgi_request)}
    assert states["slow"] == "uncached"


def test_gzip_compresses_the_chunks_into_a_whole_page(client, gates, settings):
    settings.MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware", *settings.MIDDLEWARE]
    gates["slow"].opened.set()
    response = client.get("/page/", headers={"Accept-Encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    body = gzip.decompress(b"".join(response.streaming_content)).decode()
    assert "<p>the slow panel</p>" in body and body.rstrip().endswith("</html>")


def test_a_middleware_that_reads_the_body_gets_the_page_whole(client, gates, settings):
    def reads_content(get_response):
        def middleware(request):
            response = get_response(request)
            response.content = response.content.replace(b"The article", b"Read whole")
            return response

        return middleware

    import sys
    import types

    module = types.ModuleType("reads_content_middleware")
    module.ReadsContent = reads_content
    sys.modules[module.__name__] = module
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "reads_content_middleware.ReadsContent"]
    gates["slow"].opened.set()
    response = client.get("/page/")
    assert not response.streaming
    body = response.content.decode()
    assert "<h1>Read whole</h1>" in body and "<p>the slow panel</p>" in body
    assert "layoutsCbvPlace" not in body


def test_declaring_streaming_wrongly_fails_where_it_is_declared():
    with pytest.raises(TypeError, match="either deferred"):
        Panel(nav, stream=True, defer=True)
    with pytest.raises(TypeError, match="stream="):
        Panel(nav, stream="yes")
    with pytest.raises(TypeError, match="stream_panels"):
        type("Bad", (Page,), {"stream_panels": "yes"})


def test_a_panel_view_response_header_of_a_streamed_panel_cannot_change_the_page():
    def sets_cookie(request):
        response = HttpResponse("<p>with a cookie</p>")
        response.set_cookie("late", "1")
        return response

    class Late(Page):
        slow = Panel(sets_cookie, stream=True)

    from django.test import override_settings

    with override_settings(ROOT_URLCONF=_urls(path("late/", Late.as_view()))):
        response = Client().get("/late/")
        body = "".join(chunks(response))
    assert "<p>with a cookie</p>" in body and "late" not in response.cookies


def test_a_streamed_panel_baked_into_a_cached_page_is_a_check_warning():
    from layouts_cbv.checks import check_page_keys

    class Baked(Page):
        page_cache = cache.per_path(60)
        slow = Panel(nav, stream=True, cache=cache.sitewide(60))

    from django.test import override_settings

    with override_settings(ROOT_URLCONF=_urls(path("baked/", Baked.as_view()), *urlpatterns)):
        found = [message for message in check_page_keys() if message.id == "layouts_cbv.W006"]
    assert [message.obj for message in found] == [Baked]
    assert "'slow'" in found[0].msg and "never streamed" in found[0].msg


def test_function_views_stream_too(gates):
    from django.template.response import TemplateResponse

    from layouts_cbv import layout, render_with_layout

    @layout(StreamLayout)
    def decorated(request):
        return TemplateResponse(request, "streaming/content.html", {})

    def rendered(request):
        return render_with_layout(request, "streaming/content.html", layout=StreamLayout)

    from django.test import override_settings

    routes = _urls(path("decorated/", decorated), path("rendered/", rendered))
    with override_settings(ROOT_URLCONF=routes):
        for url in ("/decorated/", "/rendered/"):
            response = Client().get(url)
            assert response.streaming, url
            shell = next(chunks(response))
            assert "<h1>The article</h1>" in shell and "the slow panel" not in shell
            assert "<p>the slow panel</p>" in opened_all(response)
            new_gates()
