"""Use an installed copy of layouts_cbv as a project would, and print what it served.

tests/test_packaging.py runs this with the Python of a fresh virtualenv that has the
built wheel installed, in isolated mode (``python -I``), from a directory outside the
checkout, so nothing here can come from the checkout. It prints one JSON object; the
test asserts on it.
"""

from __future__ import annotations

import json
import re
import sys
import sysconfig
import types
from pathlib import Path

import django
from django.conf import settings

LOCAL_TEMPLATES = {
    "probe/layout.html": (
        "{% load layouts_cbv %}<html><body>"
        '<main>{% panel "content" %}{% endpanel %}</main>'
        '<aside>{% panel "broken" %}{% endpanel %}</aside>'
        "</body></html>"
    ),
    "probe/content.html": "<h1>Installed</h1>",
}


def configure() -> None:
    settings.configure(
        DEBUG=True,
        SECRET_KEY="installed-probe-not-secret",
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF="probe_urls",
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.staticfiles",
            "debug_toolbar",
            "layouts_cbv",
        ],
        MIDDLEWARE=["debug_toolbar.middleware.DebugToolbarMiddleware"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {
                    "loaders": [
                        ("django.template.loaders.locmem.Loader", LOCAL_TEMPLATES),
                        "django.template.loaders.app_directories.Loader",
                    ],
                    "context_processors": ["django.template.context_processors.request"],
                },
            }
        ],
        STATIC_URL="/static/",
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        LAYOUTS_CBV={"DEBUG_ERRORS": False},
        DEBUG_TOOLBAR_PANELS=["layouts_cbv.contrib.debug_toolbar.LayoutsPanel"],
        DEBUG_TOOLBAR_CONFIG={
            "SHOW_TOOLBAR_CALLBACK": lambda request: True,
            "IS_RUNNING_TESTS": False,
        },
    )
    django.setup()


def fails(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("this panel always fails")


def install_urls() -> None:
    from django.urls import include, path
    from django.views.generic import TemplateView

    from layouts_cbv import LayoutMixin, Panel

    class PageView(LayoutMixin, TemplateView):
        layout_template = "probe/layout.html"
        template_name = "probe/content.html"
        broken = Panel(fails)

    urls = types.ModuleType("probe_urls")
    urls.urlpatterns = [  # type: ignore[attr-defined]
        path("page/", PageView.as_view()),
        path("__debug__/", include("debug_toolbar.urls")),
    ]
    sys.modules["probe_urls"] = urls


def shipped(package: Path, folder: str) -> list[str]:
    """Return the names (as Django looks them up) of the files under ``package/folder``."""
    root = package / folder
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def main() -> None:
    configure()
    install_urls()
    from django.contrib.staticfiles import finders
    from django.template.loader import get_template
    from django.test import Client

    import layouts_cbv

    package = Path(layouts_cbv.__file__).parent
    templates = shipped(package, "templates")
    statics = shipped(package, "static")
    client = Client()
    page = client.get("/page/").content.decode()
    [request_id] = re.findall(r'data-request-id="([^"]+)"', page)
    toolbar = client.get(
        "/__debug__/render_panel/", {"request_id": request_id, "panel_id": "LayoutsPanel"}
    ).json()["content"]
    json.dump(
        {
            "purelib": sysconfig.get_path("purelib"),
            "package": str(package),
            "typed": (package / "py.typed").is_file(),
            "templates": {name: get_template(name).origin.name for name in templates},
            "static": {name: finders.find(name) for name in statics},
            "page": page,
            "toolbar": toolbar,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
