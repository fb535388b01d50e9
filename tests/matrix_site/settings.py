"""Settings of the matrix site: the cache alias and the render counter come from the
environment (see :mod:`tests.matrix_site`)."""

import json
import os

from tests import settings as base

SECRET_KEY = base.SECRET_KEY
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.matrix_site.urls"
USE_TZ = True

# Anonymous pages of sitewide panels: no session, no user, no database work.
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "layouts_cbv",
    "tests.testapp",
]
MIDDLEWARE: list[str] = []
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CACHES = {"default": json.loads(os.environ["MATRIX_CACHE"])}
LAYOUTS_CBV = {"BACKOFF": float(os.environ.get("MATRIX_BACKOFF", "5"))}
MATRIX_RENDERS = os.environ["MATRIX_RENDERS"]
MATRIX_FAULTS = os.environ["MATRIX_FAULTS"]

TEMPLATES = base.TEMPLATES
STATIC_URL = base.STATIC_URL
DEFAULT_AUTO_FIELD = base.DEFAULT_AUTO_FIELD
# layouts_cbv's warnings reach the server's stderr through Python's last-resort handler.
LOGGING_CONFIG = None
