"""Every cache call of the site that runs into a server out of reach (refused, reset,
timed out) is a line in the ``MATRIX_FAULTS`` file: the worker's pid, the thread's id,
and what failed.

layouts_cbv notices such a call in one of two places, and logs only the first of an
outage or of a back-off period: :func:`layouts_cbv.cache.guard._failed` for every
backend except Redis Cluster, and :meth:`layouts_cbv.cache.redis_cluster.Masters.failed`
for a master of a cluster. A cluster's failures reach the guard, if at all, as
``MasterDown``, which is also raised for a master that was only set aside and never
asked. The site wraps both places, in its own processes only, so a test can count what
an outage cost each worker: with the back-off working, about one call per server per
back-off period, not one per request.
"""

from __future__ import annotations

import os
import threading

from django.conf import settings

from layouts_cbv.cache import guard, redis_cluster


def _record(what: str) -> None:
    # One short write in append mode: lines of concurrent writers never mix.
    with open(settings.MATRIX_FAULTS, "a") as faults:
        faults.write(f"{os.getpid()} {threading.get_ident()} {what}\n")


def install() -> None:
    """Count every call noticed as having failed to reach its server, as it is noticed."""
    guard_failed = guard._failed
    master_failed = redis_cluster.Masters.failed

    def failed(alias, operation, exc):
        # MasterDown is ``reported``: a cluster's failures are counted below, once each.
        if guard.is_transport_error(exc) and not getattr(exc, "reported", False):
            _record(f"{alias}:{operation}")
        return guard_failed(alias, operation, exc)

    def master_down(self, name, exc):
        _record(name)
        master_failed(self, name, exc)

    guard._failed = failed
    redis_cluster.Masters.failed = master_down
