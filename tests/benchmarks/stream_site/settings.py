"""The test settings, with DEBUG off and the streaming benchmark's pages."""

from tests.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.benchmarks.stream_site.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
LAYOUTS_CBV = {"SERVER_TIMING": False}
