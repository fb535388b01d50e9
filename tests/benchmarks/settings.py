"""Settings of the benchmark pages served by gunicorn: the test settings, on one Redis."""

import os

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks.pages"
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
}
