"""5,000 requests from 20 users and anonymous visitors at once: no leaks, no 5xx, tokens valid."""

import importlib.util

import pytest

from tests import soak
from tests.sandbox_site import served

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("gunicorn") is None,
    reason="gunicorn is not installed: pip install -e '.[test]'",
)


def test_no_leaks_no_errors_under_load():
    with served(users=20) as site:
        tally = soak.run(site, anonymous=4, requests_per_visitor=190)
    assert tally.requests >= 5000
    assert tally.problems == []
    assert all(status < 500 for status in tally.statuses)
