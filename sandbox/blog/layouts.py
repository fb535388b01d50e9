"""The blog's layout: which panels surround every page's content, and how each is cached."""

from layouts_cbv import Layout, Panel, cache

from .models import Article, Author


class BlogLayout(Layout):
    """Wrap a blog page in navigation, an account box, a sidebar and a footer."""

    template = "blog/layout.html"
    # The same for everyone; rebuilt when an author is added, changed or removed.
    nav = Panel("blog:nav", cache=cache.sitewide(3600, invalidate_on=[Author]))
    # Differs per signed-in user; every anonymous visitor shares one entry.
    account = Panel("blog:account", cache=cache.per_user(900))
    # The newest articles, rebuilt when an article changes.
    sidebar = Panel("blog:recent", cache=cache.sitewide(300, invalidate_on=[Article]))
    footer = Panel(template="blog/footer.html")
    # scripts and styles (ScriptQueue, StyleQueue) are inherited from Layout.
