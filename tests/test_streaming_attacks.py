"""Where streamed pages meet the other features: access checks, caches, CSRF, CSP, servers."""

import copy
import gzip
import re

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.mixins import UserPassesTestMixin
from django.contrib.auth.models import User
from django.test import AsyncClient, Client
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import Layout, LayoutMixin, Panel, cache
from layouts_cbv.queues import RenderQueue, ScriptQueue, StyleQueue
from tests import test_streaming as streamed
from tests.test_streaming import chunks

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def gates():
    yield streamed.new_gates()
    streamed.open_gates()


def slow(request):
    return "<p>the slow panel</p>"


def secret(request):
    return "<p>staff only</p>"


class HiddenLayout(Layout):
    template = "streaming/conditional.html"
    slow = Panel(slow, stream=True)
    staff = Panel(secret, stream=True)


class Hidden(LayoutMixin, TemplateView):
    layout = HiddenLayout
    template_name = "streaming/content.html"


class HiddenPaged(Hidden):
    page_cache = cache.per_user_per_path(60)


def title(request):
    return "An <em>article</em> title"


class TitleLayout(Layout):
    template = "streaming/title.html"
    title = Panel(title)
    slow = Panel(slow)


class Titled(LayoutMixin, TemplateView):
    layout = TitleLayout
    template_name = "streaming/content.html"
    stream_panels = True


def counts_users(request):
    """A context processor that asks the database, as many sites' do."""
    return {"queue_users": User.objects.count()}


class QueueTemplateLayout(streamed.StreamLayout):
    styles = StyleQueue(template="streaming/queue_with_context.html")
    scripts = ScriptQueue(template="streaming/queue_with_context.html")


class QueueTemplates(streamed.Page):
    layout = QueueTemplateLayout
    rows = Panel(streamed.with_queues)  # a style and a script: both queues render


class RendersItself(streamed.Page):
    """Renders its response and goes on with it, as decorators that rewrite HTML do."""

    rewrite = False

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.render()
        response["X-Rendered"] = "yes"
        if self.rewrite:
            response.content = response.content.replace(b"The article", b"Rewritten")
        return response


class QueueInScriptLayout(streamed.StreamLayout):
    template = "streaming/queue_in_script.html"
    config = RenderQueue()


class QueueInScript(streamed.Page):
    layout = QueueInScriptLayout


def whoami(request):
    return f"<p>user={request.user}</p>"


class StaffFirst(UserPassesTestMixin, LayoutMixin, TemplateView):
    layout = streamed.StreamLayout
    template_name = "streaming/content.html"
    page_cache = cache.per_path(60)
    slow = Panel(whoami, stream=True, cache=cache.per_user(60))
    other = Panel(whoami, stream=True)

    def test_func(self):
        return self.request.user.is_staff


class StaffAfter(LayoutMixin, UserPassesTestMixin, TemplateView):
    layout = streamed.StreamLayout
    template_name = "streaming/content.html"
    page_cache = cache.per_path(60)
    slow = Panel(whoami, stream=True, cache=cache.per_user(60))
    other = Panel(whoami, stream=True)
    test_func = StaffFirst.test_func


urlpatterns = [
    path("page/", streamed.Page.as_view()),
    path("staff-first/", StaffFirst.as_view()),
    path("staff-after/", StaffAfter.as_view()),
    path("queue-in-script/", QueueInScript.as_view()),
    path("renders-itself/", RendersItself.as_view()),
    path("rewrites-itself/", RendersItself.as_view(rewrite=True)),
    path("queue-templates/", QueueTemplates.as_view()),
    path("hidden/", Hidden.as_view()),
    path("titled/", Titled.as_view()),
    path("hidden-paged/", HiddenPaged.as_view()),
]


def body_of(response):
    return "".join(chunks(response)) if response.streaming else response.content.decode()


def test_a_streamed_panel_the_layout_does_not_print_is_never_sent(client):
    response = client.get("/hidden/")
    assert response.streaming
    body = body_of(response)
    assert "<p>the slow panel</p>" in body
    assert "staff only" not in body


def test_a_page_cache_hit_never_sends_a_hole_its_layout_does_not_print(django_user_model, settings):
    settings.LAYOUTS_CBV = {"SERVER_TIMING": True}
    alice = Client()
    alice.force_login(django_user_model.objects.create_user("alice"))
    miss, hit = alice.get("/hidden-paged/"), alice.get("/hidden-paged/")
    for response in (miss, hit):
        body = body_of(response)
        assert "<p>the slow panel</p>" in body and "staff only" not in body
    assert 'page;desc="hit"' in hit["Server-Timing"]


def test_a_streamed_panel_inside_title_or_an_attribute_is_in_the_shell(client):
    response = client.get("/titled/")
    body = body_of(response)
    assert "<title>An <em>article</em> title</title>" in body
    assert 'data-title="An <em>article</em> title"' in body


def test_queue_templates_of_an_asgi_streamed_page_render_off_the_event_loop(settings, gates):
    gates["slow"].opened.set()
    templates = copy.deepcopy(settings.TEMPLATES)
    processors = templates[0]["OPTIONS"]["context_processors"]
    processors.append(f"{__name__}.counts_users")
    settings.TEMPLATES = templates

    async def fetch():
        response = await AsyncClient().get("/queue-templates/")
        assert response.streaming and response.is_async
        return "".join([chunk.decode() async for chunk in response.streaming_content])

    body = async_to_sync(fetch)()
    # The styles in the shell, the scripts in the tail: each queue rendered once.
    assert body.count("<!--0 users-->") == 2
    assert "<p>the slow panel</p>" in body and body.rstrip().endswith("</html>")


def reads_the_body(get_response):
    """A middleware listed before GZipMiddleware, so it sees the body once compressed."""

    def middleware(request):
        response = get_response(request)
        response["X-Length"] = str(len(response.content))
        return response

    return middleware


@pytest.mark.parametrize("server", ["wsgi", "asgi"])
def test_a_body_read_after_gzip_compressed_the_chunks_is_the_compressed_page(
    settings, gates, server
):
    settings.MIDDLEWARE = [
        f"{__name__}.reads_the_body",
        "django.middleware.gzip.GZipMiddleware",
        *settings.MIDDLEWARE,
    ]
    gates["slow"].opened.set()

    async def fetch_asgi():
        return await AsyncClient().get("/page/", headers={"Accept-Encoding": "gzip"})

    if server == "asgi":
        response = async_to_sync(fetch_asgi)()
    else:
        response = Client().get("/page/", headers={"Accept-Encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    body = gzip.decompress(response.content).decode()  # what the browser gets must unzip
    assert "<p>the slow panel</p>" in body and body.rstrip().endswith("</html>")
    assert int(response["X-Length"]) == len(response.content)


def test_a_view_that_renders_its_response_and_returns_it_sends_the_whole_page(gates):
    gates["slow"].opened.set()
    response = Client().get("/renders-itself/")
    assert response.streaming and response["X-Rendered"] == "yes"
    body = body_of(response)
    assert "<h1>The article</h1>" in body and "<p>the slow panel</p>" in body
    response = Client().get("/rewrites-itself/")
    assert not response.streaming and response["X-Rendered"] == "yes"
    body = response.content.decode()
    assert "<h1>Rewritten</h1>" in body and "<p>the slow panel</p>" in body
    assert "layoutsCbvPlace" not in body


@pytest.mark.parametrize(
    ("script_src", "placed_by_script"),
    [
        (None, False),  # django-csp's default: default-src 'self'
        (["'self'", "NONCE"], True),
        (["'self'", "'unsafe-inline'"], True),
        (["'self'", "'unsafe-inline'", "'strict-dynamic'"], False),
    ],
)
def test_a_policy_without_room_for_the_inline_scripts_gets_the_page_whole(
    settings, gates, script_src, placed_by_script
):
    from csp.constants import NONCE, SELF

    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "csp.middleware.CSPMiddleware"]
    directives = {"default-src": [SELF]}
    if script_src is not None:
        directives["script-src"] = [NONCE if src == "NONCE" else src for src in script_src]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
    gates["slow"].opened.set()
    response = Client().get("/page/")
    body = body_of(response)
    assert "<p>the slow panel</p>" in body and body.rstrip().endswith("</html>")
    assert ("layoutsCbvPlace" in body) is placed_by_script
    if not placed_by_script:  # as sent whole: the panel in its place
        assert "<aside><p>the slow panel</p></aside>" in body
    elif "NONCE" in script_src:
        for nonce in re.findall(r'<script nonce="([^"]+)"', body):
            assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_chunks_never_land_inside_a_script_that_prints_a_queue(gates):
    gates["slow"].opened.set()
    body = body_of(Client().get("/queue-in-script/"))
    config = re.search(r'<script type="application/json" id="config">(.*?)</script>', body, re.S)
    assert config.group(1) == "[]"
    assert body.index("<noscript data-layouts-stream") > config.end()


def test_access_checks_and_per_user_streamed_panels_on_a_cached_page(django_user_model):
    visitors = {}
    for name in ("ann", "ben"):
        visitors[name] = Client()
        visitors[name].force_login(django_user_model.objects.create_user(name, is_staff=True))
    joe = Client()
    joe.force_login(django_user_model.objects.create_user("joe"))
    for url in ("/staff-first/", "/staff-after/"):
        for _ in range(2):  # a miss, then a page-cache hit
            for name, client in visitors.items():
                body = body_of(client.get(url))
                assert body.count(f"user={name}") == 2
                assert "user=" not in body.replace(f"user={name}", "")
            for client in (joe, Client()):
                response = client.get(url)
                assert response.status_code in (302, 403) and not response.streaming
                assert "user=" not in response.content.decode()
