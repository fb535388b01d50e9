"""Background refreshes of stale panel entries, outside any request/response cycle."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections, connections

logger = logging.getLogger("layouts_cbv")

_running: set[threading.Thread] = set()
_lock = threading.Lock()


def spawn(name: str, work: Callable[[], None]) -> threading.Thread:
    """Run ``work`` in a daemon thread; it never delays the response that triggered it."""

    def run() -> None:
        close_old_connections()
        try:
            work()
        except Exception:
            logger.exception("Background refresh of panel %r failed; the stale entry stays", name)
        finally:
            # The thread opened its own database connections; don't leak them.
            connections.close_all()
            with _lock:
                _running.discard(thread)

    thread = threading.Thread(target=run, name=f"layouts_cbv refresh {name}", daemon=True)
    with _lock:
        _running.add(thread)
    thread.start()
    return thread


def wait_for_refreshes(timeout: float = 10.0) -> None:
    """Wait until every background refresh has finished (for tests and benchmarks)."""
    with _lock:
        threads = list(_running)
    for thread in threads:
        thread.join(timeout)
