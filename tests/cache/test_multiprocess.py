"""The sandbox under gunicorn, four worker processes on one Redis: one render per expiry."""

import http.client
import threading
import time

import pytest
import redis

from tests.requirements import need_module
from tests.sandbox_site import served


@pytest.fixture(scope="module")
def site():
    """The sandbox under gunicorn, four worker processes, on a Redis of its own."""
    need_module("gunicorn", "pip install gunicorn (in the test extras)")
    with served() as running:
        client = redis.Redis(host="127.0.0.1", port=running.redis_port)
        yield running.port, client
        client.close()


def fetch(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode(), time.perf_counter() - started
    finally:
        connection.close()


def storm(port, path, n=64):
    barrier = threading.Barrier(n)
    results = []

    def one():
        barrier.wait()
        results.append(fetch(port, path))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def renders(client, name):
    value = client.get(f":1:sandbox:renders:{name}")
    return int(value or 0)


def settled(client, name):
    """The render count once background refreshes in any worker have finished."""
    time.sleep(1.5)
    return renders(client, name)


def test_single_flight_across_worker_processes(site):
    port, client = site
    assert fetch(port, "/features/stampede/")[0] == 200
    assert renders(client, "stampede") == 1
    # The entry is gone, as when it expires (Django's Redis keys carry ":1:").
    assert client.delete(":1:layouts:panel:stampede_demo") == 1
    results = storm(port, "/features/stampede/")
    assert [status for status, _, _ in results] == [200] * 64
    assert settled(client, "stampede") == 2  # one render for 64 requests in 4 processes


def test_stale_while_revalidate_across_worker_processes(site):
    port, client = site
    fetch(port, "/features/stale/")
    assert renders(client, "stale") == 1
    time.sleep(5.2)  # now stale (fresh for 5 s, then stale for 300)
    results = storm(port, "/features/stale/")
    assert [status for status, _, _ in results] == [200] * 64
    slowest = max(duration for _, _, duration in results)
    assert slowest < 0.8, f"a request waited {slowest:.2f}s: it waited for the 1 s render"
    assert settled(client, "stale") == 2  # exactly one background refresh
