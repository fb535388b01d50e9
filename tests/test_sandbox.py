"""The demo site works as the README promises, on data from the shared factories."""

import re

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
    assert "Panels all the way" in body and "site-header" not in body


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
        "/features/errors/",
        "/features/invalidation/",
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


@pytest.fixture
def demo(settings, monkeypatch):
    """The sandbox's own badges, round-trip count and fast slow panels."""
    from sandbox.blog import features

    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "sandbox.blog.middleware.DemoBadgeMiddleware"]
    settings.CACHES = {"default": {"BACKEND": "sandbox.blog.roundtrips.CountingLocMemCache"}}
    settings.LAYOUTS_CBV = {"BADGES": True, "DEBUG_ERRORS": False}
    monkeypatch.setattr(features, "SLOW_SECONDS", 0)


def served(response):
    """Return how the page says it was served, its round trips and its panels' states."""
    body = text(response)
    line = re.search(r'data-served="([^"]+)".*?data-round-trips="(\d+)"', body)
    panels = re.findall(
        r'class="layouts-badge" data-panel="(\w+)" data-state="(\w+)" data-hole="(\w+)"', body
    )
    states = {name: f"hole · {state}" if hole == "true" else state for name, state, hole in panels}
    return line.group(1), int(line.group(2)), states


def test_every_page_says_how_it_was_served_and_what_it_cost(client, article, demo):
    first = served(client.get("/"))
    assert first[0] == "rendered" and first[2]["nav"] == "miss" and first[2]["footer"] == "uncached"
    assert first[1] > 1  # it read, locked and wrote
    assert served(client.get("/"))[:2] == ("assembled", 1)  # one get_many for every panel
    client.get("/features/page-cache/")
    page, trips, states = served(client.get("/features/page-cache/"))
    assert (page, trips) == ("page hit", 1)
    assert states == {
        "nav": "baked",
        "sidebar": "baked",
        "account": "hole · hit",
        "footer": "hole · uncached",
    }


def test_stampede_button_empties_the_panel_and_the_count(client, demo):
    def renders():
        return client.get("/features/renders/stampede/").json()["renders"]

    assert 'data-panel="stampede_demo" data-state="miss"' in text(client.get("/features/stampede/"))
    client.get("/features/stampede/")
    assert renders() == 1
    assert client.post("/features/stampede/cold/").status_code == 302
    assert renders() == 0
    assert 'data-panel="stampede_demo" data-state="miss"' in text(client.get("/features/stampede/"))
    assert renders() == 1


def test_a_failing_panel_shows_the_error_template_and_the_rest_of_the_page(
    client, article, demo, caplog
):
    body = text(client.get("/features/errors/"))
    assert 'data-panel="error_demo" data-state="error"' in body
    assert "This part of the page could not be shown." in body
    assert "the recommendations service" not in body  # the exception stays in the log
    assert "Sunny, 21" in body and "Panels all the way" in body  # weather panel, sidebar
    assert "Panel 'error_demo' failed to render" in caplog.text


def test_saving_an_article_invalidates_exactly_what_used_it(client, article, demo):
    pages = ["/features/invalidation/", "/features/invalidation/without-sidebar/"]
    for _ in range(2):  # built, then served whole
        before = [served(client.get(url)) for url in pages]
    assert [page for page, _, _ in before] == ["page hit", "page hit"]
    client.post("/features/invalidation/save/", {"model": "article"})
    (page, _, states), (other, _, _) = [served(client.get(url)) for url in pages]
    assert (page, states["sidebar"], states["nav"]) == ("rendered", "miss", "hit")
    assert other == "page hit"  # it has no sidebar
    client.post("/features/invalidation/save/", {"model": "author"})
    (page, _, states), (other, _, others) = [served(client.get(url)) for url in pages]
    assert (page, states["nav"], states["sidebar"]) == ("rendered", "miss", "hit")
    assert (other, others["nav"]) == ("assembled", "hit")  # rebuilt; nav rendered just before


def test_stale_page_reports_the_panels_renders(client, demo):
    status = client.get("/features/renders/stale/").json()
    assert (status["renders"], status["running"], status["finished"]) == (0, 0, None)
    body = text(client.get("/features/stale/"))
    assert 'data-panel="stale_demo" data-state="miss"' in body
    assert 'id="refresh-status" data-renders="/features/renders/stale/"' in body
    status = client.get("/features/renders/stale/").json()
    assert (status["renders"], status["running"]) == (1, 0)
    assert status["now"] - 5 < status["finished"] <= status["now"]


def test_streamed_page_sends_the_placeholder_first_and_the_panel_after(client, monkeypatch):
    from sandbox.blog import features

    monkeypatch.setattr(features, "STREAMED_SECONDS", 0)
    response = client.get("/features/streamed/")
    assert response.streaming
    parts = [chunk.decode() for chunk in response.streaming_content]
    shell, rest = parts[0], "".join(parts[1:])
    assert "Working out your recommendations" in shell and "Recommended for" not in shell
    assert '<p class="recommended">Recommended for you' in rest
    assert rest.rstrip().endswith("</html>")
