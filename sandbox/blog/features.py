"""Pages that each show one feature of layouts_cbv at work, with the panels that show it."""

import time

from django.core.cache import caches
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from layouts_cbv.contrib import badges

from .layouts import BlogLayout
from .models import Article, Author

SLOW_SECONDS = 1.0
BURST = 8  # requests the stampede button fires at once


def demo_key(what, name):
    """Return the key of the demo's own bookkeeping about panel ``name``, in every process."""
    return f"sandbox:{what}:{name}"


def slow_panel(name):
    """Return a panel that takes SLOW_SECONDS to render and counts its renders."""

    def panel(request):
        store = caches["default"]
        for what in ("renders", "running"):
            store.add(demo_key(what, name), 0, None)
            store.incr(demo_key(what, name))
        try:
            time.sleep(SLOW_SECONDS)  # an expensive query, say
        finally:
            store.decr(demo_key("running", name))
            store.set(demo_key("finished", name), time.time(), None)
        return format_html(
            '<p class="rendered" data-rendered="{}">Rendered at <strong>{}</strong>, '
            "after {} s of work.</p>",
            time.time(),
            time.strftime("%H:%M:%S"),
            f"{SLOW_SECONDS:g}",
        )

    panel.__name__ = panel.__qualname__ = f"slow_{name}"
    return panel


@require_GET
def renders(request, name):
    """Tell how often panel ``name`` rendered, whether a render runs now, and when one ended."""
    store = caches["default"]
    found = store.get_many([demo_key(what, name) for what in ("renders", "running", "finished")])
    return JsonResponse(
        {
            "renders": found.get(demo_key("renders", name), 0),
            "running": found.get(demo_key("running", name), 0),
            "finished": found.get(demo_key("finished", name)),
            "now": time.time(),
        }
    )


class FeatureView(LayoutMixin, TemplateView):
    """A page explaining one feature, with a panel that shows it."""

    layout = BlogLayout
    template_name = "blog/feature.html"
    title = ""
    explanation = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, explanation=self.explanation, **kwargs)


class StampedeView(FeatureView):
    title = "Stampede protection"
    explanation = (
        "The panel below takes a second to render. The button empties its cache entry, "
        f"then your browser asks for this page {BURST} times at once: one request renders "
        "the panel, the others wait for its copy instead of rendering it too."
    )
    template_name = "blog/feature_stampede.html"
    stampede_demo = Panel(slow_panel("stampede"), cache=cache.sitewide(300))

    def get_context_data(self, **kwargs):
        return super().get_context_data(burst=BURST, **kwargs)


@require_POST
def cold_stampede(request):
    """Empty the stampede panel's cache entry and its render count."""
    cache.invalidate("stampede_demo")
    caches["default"].set(demo_key("renders", "stampede"), 0, None)
    return redirect("blog:stampede")


class StaleView(FeatureView):
    title = "Stale-while-revalidate"
    explanation = (
        "The slow panel below is fresh for 5 seconds, then may be served stale for 5 "
        "minutes: once it has expired, the next request gets the old copy at once and "
        "starts one background render of the next."
    )
    template_name = "blog/feature_stale.html"
    stale_demo = Panel(slow_panel("stale"), cache=cache.sitewide(5, stale_ttl=300))


def failing_recommendations(request):
    raise ConnectionError("the recommendations service did not answer")


def weather(request):
    return "<p>Sunny, 21 °C. This panel works; the one beside it does not.</p>"


class ErrorsView(FeatureView):
    title = "A failing panel, isolated"
    explanation = (
        "The recommendations panel below raises an exception. Its place shows the "
        "layout's error template, the error is logged, and the rest of the page (the "
        "weather panel, the navigation, the sidebar) is served as usual. A failure is "
        "never cached: the next request tries the panel again."
    )
    template_name = "blog/feature_errors.html"
    error_demo = Panel(failing_recommendations, cache=cache.sitewide(60))
    weather_demo = Panel(weather, cache=cache.sitewide(60))


class InvalidationView(FeatureView):
    title = "Invalidation on save"
    explanation = (
        "This page is cached whole. It bakes in the navigation, declared with "
        "invalidate_on=[Author], and the sidebar, declared with invalidate_on=[Article]. "
        "Saving an article drops the sidebar's entries and every cached page that baked "
        "it in; nothing else."
    )
    template_name = "blog/feature_invalidation.html"
    page_cache = cache.per_path(300)

    def get_context_data(self, **kwargs):
        probes = [
            {"url": self.request.path, "label": "This page"},
            {"url": reverse("blog:without-sidebar"), "label": "Page without sidebar"},
        ]
        models = [("article", "Save an article"), ("author", "Save an author")]
        return super().get_context_data(probes=probes, models=models, **kwargs)


class WithoutSidebarView(FeatureView):
    title = "A cached page without the sidebar"
    explanation = (
        "Cached whole like the invalidation page, but without the sidebar: saving an "
        "article leaves it alone, saving an author rebuilds it (its navigation changed)."
    )
    page_cache = cache.per_path(300)
    sidebar = None


SAVABLE = {"article": Article, "author": Author}


@require_POST
def save_model(request):
    """Save the newest article or the first author, unchanged: invalidate_on does the rest."""
    model = SAVABLE.get(request.POST.get("model", ""))
    if model is None:
        return HttpResponseBadRequest("Say which model to save: article or author.")
    instance = model.objects.first()
    if instance is not None:
        instance.save()
    return redirect("blog:invalidation")


CART_KEY = "sandbox_cart"


def add_to_cart(request):
    """Put one more item in the visitor's cart (kept in the session), then show it."""
    request.session[CART_KEY] = request.session.get(CART_KEY, 0) + 1
    request.session.save()  # a new visitor gets their session key here
    # The cart panel is cached per session: drop this visitor's entry, nobody else's.
    cache.invalidate("cart", request.session.session_key)
    return redirect("blog:deferred")


class DeferredView(FeatureView):
    title = "Deferred panels"
    explanation = (
        "The cart in the header is not part of this page: the page shows a placeholder "
        "and your browser fetches the cart, which is yours alone, right after. The page "
        "itself can then be cached for everyone."
    )
    cart = Panel("blog:cart", defer=True, cache=cache.per_session(300))


STREAMED_SECONDS = 1.5  # how long the streamed panel takes


def recommendations(request):
    """A slow panel for the visitor alone: worth streaming, not caching."""
    time.sleep(STREAMED_SECONDS)  # a recommendation service, say
    return format_html(
        '<p class="recommended">Recommended for {}: <em>Streamed pages</em>, '
        "<em>Deferred panels</em>. Worked out at <strong>{}</strong>.</p>",
        request.user.get_username() or "you",
        time.strftime("%H:%M:%S"),
    )


class StreamedView(FeatureView):
    title = "Streamed panels"
    explanation = (
        f"The recommendations below take {STREAMED_SECONDS:g} s. The page does not wait for "
        "them: everything else is sent at once with a placeholder in their place, and "
        "the panel follows in the same response when it is ready, into its place."
    )
    template_name = "blog/feature_streamed.html"
    streamed_demo = Panel(recommendations, stream=True)


class PageCacheView(FeatureView):
    title = "Whole-page caching with holes"
    explanation = (
        "This whole page is cached per path for a minute: reload it and the time below "
        "stays the same, while the account box at the top (a per-user hole) is always "
        "yours. Sign in as alice, then as bob, to see it."
    )
    template_name = "blog/feature_page_cache.html"
    page_cache = cache.per_path(60)

    def get_context_data(self, **kwargs):
        return super().get_context_data(built_at=time.strftime("%H:%M:%S"), **kwargs)


FEATURES = [
    (
        "blog:page-cache",
        "Whole-page caching with holes",
        "the page is cached per path; your account box is filled in for you on every request.",
    ),
    (
        "blog:deferred",
        "Deferred panels",
        "the cart is fetched by your browser after the page, so the page itself can be shared.",
    ),
    (
        "blog:streamed",
        "Streamed panels",
        "the page is sent at once; a slow panel follows into its place in the same response.",
    ),
    (
        "blog:stampede",
        "Stampede protection",
        f"{BURST} requests at once for a cold, slow panel: one render.",
    ),
    (
        "blog:stale",
        "Stale-while-revalidate",
        "an expired panel is served at once while one background thread renders it anew.",
    ),
    (
        "blog:errors",
        "A failing panel, isolated",
        "the error template takes its place; the rest of the page is fine.",
    ),
    (
        "blog:invalidation",
        "Invalidation on save",
        "saving a model drops exactly the panels and cached pages that used it.",
    ),
]


class FeaturesView(FeatureView):
    title = "Features, one page each"
    explanation = (
        "Each page below shows one thing layouts_cbv does. Every panel wears a badge: how "
        "it was served (hit, miss, stale, hole, ...), its render time, the age of the copy "
        "and its cache key; the line under the header says how the whole page was served "
        "and how many cache round trips it cost."
    )
    template_name = "blog/features.html"

    def get_context_data(self, **kwargs):
        states = [*badges.MEANINGS.items(), ("hole", badges.HOLE_MEANING)]
        return super().get_context_data(features=FEATURES, states=states, **kwargs)
