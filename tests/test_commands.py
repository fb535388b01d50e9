"""manage.py layouts_panels."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.urls("sandbox.urls")
def test_lists_registered_panels_with_their_users_and_strategies():
    out = StringIO()
    call_command("layouts_panels", stdout=out)
    text = out.getvalue()
    assert (
        "blog:nav (sandbox.blog.panels.nav)\n  layout blog.BlogLayout as 'nav': SitewideCache(timeout=3600)"
        in text
    )
    assert "  layout blog.BlogLayout as 'account': PerUserCache(timeout=900)" in text
    assert (
        "  view sandbox.blog.features.DeferredView as 'cart': PerSessionCache(timeout=300), deferred"
        in text
    )
    assert "testapp:whoami (tests.testapp.panels.whoami)\n  (not used)" in text
    assert "Panels not from the registry:" in text
    assert (
        "view sandbox.blog.views.ArticleDetailView as 'sidebar': uncached, from sandbox.blog.views.related_articles"
        in text
    )
