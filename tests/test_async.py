"""Sync stays sync, async stays async: the ORM works wherever Django allows it."""

import pytest
from asgiref.sync import async_to_sync
from django.http import HttpResponse
from django.urls import path
from django.views import View
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel
from sandbox.blog.models import Article
from tests.factories import ArticleFactory
from tests.testapp.layouts import EveryPanelLayout

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def orm_panel(request):
    return f"<p>sync panel: {Article.objects.count()} articles</p>"


async def async_orm_panel(request):
    return f"<p>async panel: {await Article.objects.acount()} articles</p>"


class ArticlesTemplatePanel(TemplateView):
    """An unrendered TemplateResponse whose template runs a lazy queryset."""

    template_name = "testapp/article_titles.html"

    def get_context_data(self, **kwargs):
        return {"articles": Article.objects.all()}


class AsyncViewPanel(View):
    async def get(self, request):
        return HttpResponse(f"<p>async view panel: {await Article.objects.acount()}</p>")


PANELS = {
    "layout": EveryPanelLayout,
    "sync_orm": Panel(orm_panel),
    "async_orm": Panel(async_orm_panel),
    "template_view": Panel(ArticlesTemplatePanel),
    "async_view": Panel(AsyncViewPanel),
}


class SyncPage(LayoutMixin, TemplateView):
    template_name = "testapp/article_titles.html"

    def get_context_data(self, **kwargs):
        return {"articles": list(Article.objects.all())}


class AsyncPage(LayoutMixin, TemplateView):
    template_name = "testapp/article_titles.html"

    async def get(self, request, *args, **kwargs):
        return self.render_to_response({"articles": [a async for a in Article.objects.all()]})


SyncPage = type("SyncPage", (SyncPage,), PANELS)
AsyncPage = type("AsyncPage", (AsyncPage,), PANELS)
urlpatterns = [path("sync/", SyncPage.as_view()), path("async/", AsyncPage.as_view())]

EXPECTED = [
    "<li>Second</li><li>First</li>",  # newest first
    "<p>sync panel: 2 articles</p>",
    "<p>async panel: 2 articles</p>",
    "<p>async view panel: 2</p>",
]


@pytest.fixture(autouse=True)
def articles():
    ArticleFactory(title="First"), ArticleFactory(title="Second")


@pytest.mark.parametrize("page", ["/sync/", "/async/"])
def test_under_wsgi(client, page):
    body = client.get(page).content.decode()
    assert all(part in body for part in EXPECTED), body


@pytest.mark.parametrize("page", ["/sync/", "/async/"])
def test_under_asgi(async_client, page):
    response = async_to_sync(async_client.get)(page)
    body = response.content.decode()
    assert response.status_code == 200
    assert all(part in body for part in EXPECTED), body
    assert "could not be shown" not in body  # no panel failed with SynchronousOnlyOperation
