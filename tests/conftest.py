import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _clear_caches():
    # Every test starts from empty caches: no state leaks between tests.
    from layouts_cbv import rendering
    from layouts_cbv.cache import generations

    for cache in caches.all():
        cache.clear()
    generations.forget()
    rendering.forget_costs()  # what renders cost in this process, learnt by earlier tests
    yield


@pytest.fixture(autouse=True)
def _isolate_declarations():
    # Views made inside a test declare cached panels; forget them after the test.
    from layouts_cbv.cache import invalidation, plans

    aliases = {name: set(found) for name, found in invalidation._aliases.items()}
    yield
    invalidation._aliases.clear()
    invalidation._aliases.update(aliases)
    plans.forget()  # they declared what was just forgotten
