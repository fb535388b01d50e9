from layouts_cbv import Layout, Panel
from layouts_cbv.queues import RenderQueue


class BaseLayout(Layout):
    abstract = True
    nav = Panel("testapp:nav")


class SiteLayout(BaseLayout):
    template = "testapp/layout.html"
    promo = Panel("testapp:promo")
    footer = Panel(literal="<footer>site footer</footer>")
    head_extras = RenderQueue()


class EveryPanelLayout(Layout):
    """Prints every panel of the page, whatever its name."""

    template = "testapp/every_panel.html"


class BlogLayout(Layout):
    """Named like the sandbox blog's layout, to prove two apps' layouts coexist."""

    template = "testapp/every_panel.html"
