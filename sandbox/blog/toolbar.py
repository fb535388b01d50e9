"""When the sandbox shows django-debug-toolbar."""

from debug_toolbar.middleware import show_toolbar as shown_by_default


def show_toolbar(request):
    """As the toolbar's default, but not on the streamed page: a page with the toolbar
    is sent whole, and that page is there to show streaming."""
    return shown_by_default(request) and not request.path.startswith("/features/streamed/")
