import socket
import threading

import pytest
from django.core.cache import caches
from django.core.management import call_command

from layouts_cbv.cache import guard
from tests import cluster_servers, servers
from tests.cache import counting

BACKENDS = ["locmem", "db", "file", "redis", "memcached", "redis_cluster"]


@pytest.fixture(scope="session")
def redis_server():
    with servers.running(servers.redis_server()) as server:
        yield server


@pytest.fixture(scope="session")
def redis_cluster():
    """Three Redis Cluster masters on loopback, for the whole session."""
    with cluster_servers.running_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def memcached_server():
    with servers.running(servers.memcached_server()) as server:
        yield server


def cache_config(name, request, tmp_path):
    prefix = "tests.cache.counting."
    if name == "locmem":
        return {"BACKEND": prefix + "CountingLocMemCache"}
    if name == "db":
        request.getfixturevalue("db")
        return {"BACKEND": prefix + "CountingDatabaseCache", "LOCATION": "layouts_cache_table"}
    if name == "file":
        return {"BACKEND": prefix + "CountingFileBasedCache", "LOCATION": str(tmp_path / "cache")}
    if name == "redis":
        server = request.getfixturevalue("redis_server")
        return {
            "BACKEND": prefix + "CountingRedisCache",
            "LOCATION": f"redis://{servers.HOST}:{server.port}/0",
        }
    if name == "redis_cluster":
        cluster = request.getfixturevalue("redis_cluster")
        return {"BACKEND": prefix + "CountingRedisClusterCache", "LOCATION": cluster.location}
    server = request.getfixturevalue("memcached_server")
    return {
        "BACKEND": prefix + "CountingPyMemcacheCache",
        "LOCATION": f"{servers.HOST}:{server.port}",
    }


@pytest.fixture(params=BACKENDS)
def backend(request, settings, tmp_path):
    """Run the test once per real cache backend, as the default alias; return its name."""
    settings.CACHES = {"default": cache_config(request.param, request, tmp_path)}
    if request.param == "db":
        call_command("createcachetable", verbosity=0)
    caches["default"].clear()
    guard.reset()
    counting.calls.clear()
    yield request.param
    guard.reset()


@pytest.fixture
def hung_port():
    """A port that accepts connections and never answers, like a hung server."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()
