"""The demo site works as the README promises, on data from the shared factories."""

import pytest
from django.core.management import call_command

from sandbox.blog.models import Article
from tests.factories import ArticleFactory, AuthorFactory, CommentFactory, UserFactory
from tests.utils import text

pytestmark = [pytest.mark.django_db, pytest.mark.urls("sandbox.urls")]


@pytest.fixture
def article():
    return ArticleFactory(
        title="Panels all the way", author=AuthorFactory(user=UserFactory(username="alice"))
    )


def test_home_lists_articles_inside_the_layout(client, article):
    body = text(client.get("/"))
    assert "Panels all the way" in body
    assert '<a href="/">Home</a>' in body or "Home</a>" in body  # nav panel
    assert "Alice" in body  # nav lists authors
    assert '<script src="/static/blog/recent.js" defer></script>' in body  # from the sidebar panel


def test_article_page_has_related_sidebar_and_comments(client, article):
    ArticleFactory(title="Second by alice", author=article.author)
    CommentFactory(article=article, author_name="Reader", body="Nice")
    body = text(client.get(article.get_absolute_url()))
    assert "Second by alice" in body and "Nice" in body


def test_author_page_drops_the_footer(client, article):
    body = text(client.get(f"/authors/{article.author.pk}/"))
    assert "(no footer on this page)" in body


def test_account_panel_names_each_user_and_never_the_other(client, article):
    bob = UserFactory(username="bob")
    client.force_login(article.author.user)
    assert "alice" in text(client.get("/"))
    other = type(client)()
    other.force_login(bob)
    body = text(other.get("/"))
    assert "bob" in body and "Signed in as alice" not in body


def test_logout_form_from_a_cached_account_panel_works_in_a_second_browser(article):
    from django.test import Client

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser in (first, second):
        browser.login(username="alice", password="password")
    first.get("/")
    body = text(second.get("/"))  # the account panel now comes from the cache
    token = body.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = second.post("/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code != 403
    assert "_auth_user_id" not in second.session  # signed out
    assert "_auth_user_id" in first.session


def test_partial_request_gets_only_the_content(client, article, settings):
    settings.LAYOUTS_CBV = {"PARTIAL_DETECTORS": ["layouts_cbv.detection.htmx"]}
    body = text(client.get("/", headers={"HX-Request": "true"}))
    assert "Panels all the way" in body and "<header>" not in body


def test_new_article_shows_in_the_cached_sidebar(client, article):
    client.get("/")
    ArticleFactory(title="Fresh off the press", author=article.author)
    assert "Fresh off the press" in text(client.get(f"/authors/{article.author.pk}/"))


def test_seed_demo_loads_demo_data_once():
    call_command("seed_demo", verbosity=0)
    count = Article.objects.count()
    assert count >= 10
    call_command("seed_demo", verbosity=0)
    assert Article.objects.count() == count


def test_page_cache_feature_keeps_the_page_and_fills_the_account_hole(client, monkeypatch):
    from sandbox.blog import features

    stamps = iter(["first build", "second build"])
    monkeypatch.setattr(features.time, "strftime", lambda fmt: next(stamps))
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    client.force_login(alice)
    first = text(client.get("/features/page-cache/"))
    client.force_login(bob)
    second = text(client.get("/features/page-cache/"))
    assert "built at <strong>first build</strong>" in first
    assert "built at <strong>first build</strong>" in second  # served from the page cache
    assert "Signed in as alice" in first and "Signed in as bob" in second
    assert "Signed in as alice" not in second


def test_features_page_links_every_feature_page(client):
    body = text(client.get("/features/"))
    for url in (
        "/features/page-cache/",
        "/features/deferred/",
        "/features/stampede/",
        "/features/stale/",
        "/?_partial=1",
    ):
        assert f'href="{url}"' in body
    assert 'href="/features/"' in body  # and the nav links to it


def test_admin_action_invalidates_the_panels(client, article):
    from django.contrib.auth.models import User
    from django.core.cache import caches

    client.get("/")  # caches nav and sidebar, which start their generations
    before = caches["default"].get_many(["layouts:gen:nav", "layouts:gen:sidebar"])
    client.force_login(User.objects.create_superuser("root", password="pw"))
    response = client.post(
        "/admin/blog/article/", {"action": "refresh_panels", "_selected_action": [article.pk]}
    )
    assert response.status_code == 302
    after = caches["default"].get_many(["layouts:gen:nav", "layouts:gen:sidebar"])
    assert len(before) == 2 and all(after[key] != before[key] for key in before)
