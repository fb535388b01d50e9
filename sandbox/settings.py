"""Settings of the layouts_cbv demo site. For local development only."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = "django-insecure-sandbox-only-never-use-in-production"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "layouts_cbv",
    "sandbox.blog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Labels every panel with how it was served (LAYOUTS_CBV["BADGES"] below) and says
    # how many cache round trips the page cost.
    "sandbox.blog.middleware.DemoBadgeMiddleware",
]

ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # SANDBOX_DB lets tests and benchmarks run the sandbox on a database of their own.
        "NAME": os.environ.get("SANDBOX_DB") or BASE_DIR / "db.sqlite3",
    }
}

# The demo counts every call to the cache (see sandbox/blog/roundtrips.py).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "sandbox.blog.roundtrips.CountingRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "sandbox.blog.roundtrips.CountingLocMemCache"}}

LAYOUTS_CBV = {
    "PARTIAL_DETECTORS": [
        "layouts_cbv.detection.htmx",
        "layouts_cbv.detection.query_param",
    ],
    # A badge on every panel: its state, render time, age and key. Off by default.
    "BADGES": True,
    # DEBUG would make a failing panel raise; the demo shows what visitors get instead.
    "DEBUG_ERRORS": False,
}

# The toolbar, with layouts_cbv's panel, when django-debug-toolbar is installed
# (pip install -e ".[sandbox]"). SANDBOX_TOOLBAR=0 leaves it out (the soak test does).
try:
    import debug_toolbar  # noqa: F401
except ImportError:
    TOOLBAR = False
else:
    TOOLBAR = os.environ.get("SANDBOX_TOOLBAR", "1") != "0"
if TOOLBAR:
    INSTALLED_APPS.append("debug_toolbar")
    MIDDLEWARE.insert(0, "debug_toolbar.middleware.DebugToolbarMiddleware")
    INTERNAL_IPS = ["127.0.0.1"]
    DEBUG_TOOLBAR_CONFIG = {
        "SHOW_COLLAPSED": True,
        "SHOW_TOOLBAR_CALLBACK": "sandbox.blog.toolbar.show_toolbar",
    }
    DEBUG_TOOLBAR_PANELS = [
        "debug_toolbar.panels.history.HistoryPanel",
        "debug_toolbar.panels.timer.TimerPanel",
        "layouts_cbv.contrib.debug_toolbar.LayoutsPanel",
        "debug_toolbar.panels.headers.HeadersPanel",
        "debug_toolbar.panels.request.RequestPanel",
        "debug_toolbar.panels.sql.SQLPanel",
        "debug_toolbar.panels.templates.TemplatesPanel",
        "debug_toolbar.panels.cache.CachePanel",
        "debug_toolbar.panels.signals.SignalsPanel",
    ]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "blog:home"
LOGOUT_REDIRECT_URL = "blog:home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
