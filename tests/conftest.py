import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _clear_caches():
    # Every test starts from empty caches: no state leaks between tests.
    for cache in caches.all():
        cache.clear()
    yield
