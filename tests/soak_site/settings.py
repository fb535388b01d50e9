"""Settings of the mixed-integrity soak site: the test settings, served by gunicorn on Redis.

Every process of the server shares one SQLite file (``SOAK_DB``) and one Redis
(``REDIS_URL``), so a page stored by one worker is served by the others.
"""

import os
from pathlib import Path

from tests import settings as base

SECRET_KEY = base.SECRET_KEY
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.soak_site.urls"
USE_TZ = base.USE_TZ

INSTALLED_APPS = base.INSTALLED_APPS
MIDDLEWARE = base.MIDDLEWARE

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["SOAK_DB"],
        "ATOMIC_REQUESTS": os.environ.get("SOAK_ATOMIC_REQUESTS") == "1",
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

STATIC_URL = base.STATIC_URL
DEFAULT_AUTO_FIELD = base.DEFAULT_AUTO_FIELD
PASSWORD_HASHERS = base.PASSWORD_HASHERS
# Django leaves logging alone: layouts_cbv's warnings reach the server's stderr through
# Python's last-resort handler, where the soak reads them.
LOGGING_CONFIG = None
