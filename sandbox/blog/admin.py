from django.contrib import admin, messages

from layouts_cbv import cache

from .models import Article, Author, Comment


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user"]


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0


@admin.action(description="Refresh the cached navigation and sidebar panels")
def refresh_panels(modeladmin, request, queryset):
    """Drop every cached variant of the nav and sidebar panels, in every process."""
    for panel in ("nav", "sidebar"):
        cache.invalidate_all(panel)
    messages.success(request, "The nav and sidebar panels will be rendered afresh.")


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "published_at"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [CommentInline]
    actions = [refresh_panels]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["author_name", "article", "created"]
