"""The blog's pages: each view renders its content, BlogLayout supplies the rest."""

from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, render
from django.views.generic import CreateView, DetailView, ListView

from layouts_cbv import LayoutMixin, Panel

from .forms import CommentForm
from .layouts import BlogLayout
from .models import Article, Author


def related_articles(request, limit=5):
    """Render other articles by the author of the article on the page."""
    article = request.layout_context["object"]
    others = article.author.articles.exclude(pk=article.pk)[:limit]
    return render(
        request, "blog/panels/related.html", {"author": article.author, "articles": others}
    )


class ArticleListView(LayoutMixin, ListView):
    """Show the newest articles."""

    layout = BlogLayout
    model = Article
    paginate_by = 10
    template_name = "blog/article_list.html"

    def get_queryset(self):
        """Return the articles with their authors."""
        return super().get_queryset().select_related("author")


class ArticleDetailView(LayoutMixin, DetailView):
    """Show one article, its comments and a comment form; the sidebar lists related articles."""

    layout = BlogLayout
    model = Article
    template_name = "blog/article_detail.html"
    # Replaces the layout's sidebar on this page only. Left uncached: the layout's
    # "sidebar" is cached sitewide, and one name should not hold two cached sources.
    sidebar = Panel(related_articles, context={"limit": 5})

    def get_queryset(self):
        """Return the articles with their authors."""
        return super().get_queryset().select_related("author")

    def get_context_data(self, **kwargs):
        """Add the comments and an empty comment form."""
        context = super().get_context_data(**kwargs)
        context["comments"] = self.object.comments.all()
        context["comment_form"] = CommentForm()
        return context


class CommentCreateView(LayoutMixin, CreateView):
    """Add a comment to an article, then go back to it; show the form again on errors."""

    layout = "blog.BlogLayout"  # a layout may be named by its label
    form_class = CommentForm
    template_name = "blog/comment_form.html"

    def dispatch(self, request, *args, **kwargs):
        """Find the article commented on."""
        self.article = get_object_or_404(Article, slug=kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        """Add the article."""
        return super().get_context_data(article=self.article, **kwargs)

    def form_valid(self, form):
        """Attach the comment to the article before saving it."""
        form.instance.article = self.article
        return super().form_valid(form)

    def get_success_url(self):
        """Return the article's page, at its comments."""
        return self.article.get_absolute_url() + "#comments"


class AuthorDetailView(LayoutMixin, DetailView):
    """Show an author and their articles, without the layout's footer."""

    layout = "blog.BlogLayout"
    model = Author
    template_name = "blog/author_detail.html"
    footer = None  # drops the layout's footer: the {% panel %} fallback shows instead

    def get_context_data(self, **kwargs):
        """Add the author's articles."""
        return super().get_context_data(articles=self.object.articles.all(), **kwargs)


class LoginView(LayoutMixin, auth_views.LoginView):
    """Django's login view, inside the blog layout."""

    layout = BlogLayout
    template_name = "registration/login.html"
