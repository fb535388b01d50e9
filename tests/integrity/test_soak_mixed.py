"""The integrity guarantees under real concurrency: 4,000+ requests from 16 users (4 of
them staff) and 4 anonymous visitors, on gunicorn (4 workers x 8 threads) and one Redis.

Stored pages, per-user holes, access checks in both mixin orders, an owner-only
DetailView and messages, all at once: no visitor sees another's marker, no refused
visitor gets a page, no 5xx, no message lost; the shared page comes from the page cache
while its hole stays per visitor. See :mod:`tests.soak_mixed`.
"""

from tests import soak_mixed
from tests.requirements import need_module
from tests.soak_site.serve import served


def test_mixed_integrity_soak():
    need_module("gunicorn")
    with served(users=16, staff_every=4) as site:
        tally = soak_mixed.run(site, anonymous=4, requests_per_visitor=205, seed=1)
        stored, refused = soak_mixed.stored_pages(site), soak_mixed.refused_pages(site)
    assert tally.requests >= 4000
    assert tally.problems == [], f"{dict(tally.kinds)}, first: {tally.problems[:10]}"
    assert all(status < 500 for status in tally.statuses)
    # What the site stores, it stores: the access checks above were made against stored
    # pages, and the pages that read their visitor were refused, with a warning.
    assert stored == soak_mixed.STORED
    assert refused == soak_mixed.NOT_STORED
    # The shared page was built a few times at most (a race per worker at the start),
    # and served from the page cache otherwise.
    assert tally.shared >= 400
    assert tally.shared_from_cache >= 0.95 * tally.shared, (tally.shared, len(tally.builds))
