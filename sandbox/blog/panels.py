"""The blog's panels, registered by name and found by autodiscovery at start-up."""

from django.shortcuts import render
from django.views.generic import TemplateView

from layouts_cbv import registry

from .models import Article, Author


@registry.register("blog:nav")
def nav(request):
    """Render links to the home page and to every author."""
    return render(request, "blog/panels/nav.html", {"authors": Author.objects.all()})


@registry.register("blog:account")
def account(request):
    """Render who is signed in, with a logout button, or a login link."""
    return render(request, "blog/panels/account.html")


class RecentArticlesPanel(TemplateView):
    """List the five newest articles."""

    template_name = "blog/panels/recent.html"

    def get_context_data(self, **kwargs):
        """Add the newest articles."""
        context = super().get_context_data(**kwargs)
        context["articles"] = Article.objects.select_related("author")[:5]
        return context


registry.register("blog:recent", RecentArticlesPanel)


@registry.register("blog:cart")
def cart(request):
    """Render the visitor's cart, kept in their session."""
    items = request.session.get("sandbox_cart", 0)
    return render(request, "blog/panels/cart.html", {"items": items})
