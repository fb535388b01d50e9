"""Pages that each show one feature of layouts_cbv on its own."""

import time

from django.core.cache import caches
from django.shortcuts import redirect
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache

from .layouts import BlogLayout

SLOW_SECONDS = 1.0


def render_counter(name):
    """Return the cache key counting how often panel ``name`` rendered, in every process."""
    return f"sandbox:renders:{name}"


def slow_panel(name):
    def panel(request):
        counter = caches["default"]
        counter.add(render_counter(name), 0, None)
        counter.incr(render_counter(name))
        time.sleep(SLOW_SECONDS)  # an expensive query, say
        return f"<p>Rendered at {time.strftime('%H:%M:%S')} (takes {SLOW_SECONDS:.0f} s).</p>"

    panel.__name__ = panel.__qualname__ = f"slow_{name}"
    return panel


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
        "The panel below takes a second to render and expires every second. However many "
        "requests arrive after it expires, one of them renders it; the others wait for it."
    )
    stampede_demo = Panel(slow_panel("stampede"), cache=cache.sitewide(1))


class StaleView(FeatureView):
    title = "Stale-while-revalidate"
    explanation = (
        "The same slow panel, with stale_ttl: after it expires, everyone is served the "
        "previous version at once while one background thread renders the next."
    )
    stale_demo = Panel(slow_panel("stale"), cache=cache.sitewide(1, stale_ttl=300))


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
        "blog:stampede",
        "Stampede protection",
        "a slow panel expires every second, yet only one request renders it.",
    ),
    (
        "blog:stale",
        "Stale-while-revalidate",
        "the slow panel is served stale at once while one background thread renders it.",
    ),
]


class FeaturesView(FeatureView):
    title = "Features, one page each"
    explanation = "Each page below shows one thing layouts_cbv does."
    template_name = "blog/features.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(features=FEATURES, **kwargs)
