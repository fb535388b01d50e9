"""5,000 requests from 20 users and anonymous visitors at once: no leaks, no 5xx, tokens valid."""

from tests import soak
from tests.requirements import need_module
from tests.sandbox_site import served


def test_no_leaks_no_errors_under_load():
    need_module("gunicorn", "pip install gunicorn (in the test extras)")
    with served(users=20) as site:
        tally = soak.run(site, anonymous=4, requests_per_visitor=190)
    assert tally.requests >= 5000
    assert tally.problems == []
    assert all(status < 500 for status in tally.statuses)
