import socket
import threading

import pytest
from django.core.cache import caches
from django.core.management import call_command

from layouts_cbv.cache import guard
from tests import cluster_servers, servers
from tests.cache import counting
from tests.requirements import need_module

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


@pytest.fixture(scope="session")
def memcached_pool():
    """Three memcached servers, one cache alias spread over them."""
    nodes = [servers.memcached_server() for _ in range(3)]
    with servers.running(nodes[0]), servers.running(nodes[1]), servers.running(nodes[2]):
        yield nodes


@pytest.fixture(scope="session")
def redis_primary_and_replica():
    primary = servers.redis_server()
    with servers.running(primary), servers.running(servers.redis_replica(primary)) as replica:
        servers.wait_for_replication(replica)
        yield primary, replica


# Where single flight is proved: every kind of deployment layouts_cbv supports.
DEPLOYMENTS = [
    "locmem",
    "redis",
    "redis_replica",
    "memcached_pool",
    "django_redis",
    "django_redis_ignore_exceptions",
    "redis_cluster",
]


@pytest.fixture
def socket_timeout():
    """Seconds a deployment's client waits for a server: short, so faults cost little.
    Tests that load the machine with dozens of threads override it, or a call that is
    merely slow would count as a fault."""
    return 0.5


def deployment_config(name, request):
    """Return the cache alias settings of deployment ``name``, its servers started."""
    timeout = request.getfixturevalue("socket_timeout")
    timeouts = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    if name == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if name == "redis":
        port = request.getfixturevalue("redis_server").port
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://{servers.HOST}:{port}/0",
            "OPTIONS": timeouts,
        }
    if name == "redis_replica":
        primary, replica = request.getfixturevalue("redis_primary_and_replica")
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": [f"redis://{servers.HOST}:{s.port}/0" for s in (primary, replica)],
            "OPTIONS": timeouts,
        }
    if name == "memcached_pool":
        nodes = request.getfixturevalue("memcached_pool")
        return {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": [f"{servers.HOST}:{node.port}" for node in nodes],
            # A failing server set aside at once, and tried again a second later.
            "OPTIONS": {
                "connect_timeout": timeout,
                "timeout": timeout,
                "retry_attempts": 0,
                "dead_timeout": 1,
            },
        }
    if name.startswith("django_redis"):
        need_module("django_redis")
        port = request.getfixturevalue("redis_server").port
        return {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://{servers.HOST}:{port}/1",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": timeout,
                "SOCKET_TIMEOUT": timeout,
                "IGNORE_EXCEPTIONS": name.endswith("ignore_exceptions"),
            },
        }
    assert name == "redis_cluster", name
    return {
        "BACKEND": "layouts_cbv.cache.redis_cluster.RedisClusterCache",
        "LOCATION": request.getfixturevalue("redis_cluster").location,
        "OPTIONS": timeouts,
    }


@pytest.fixture(params=DEPLOYMENTS)
def deployment(request, settings):
    """Run the test once per deployment, as the default alias; return its name."""
    settings.CACHES = {"default": deployment_config(request.param, request)}
    caches["default"].clear()
    guard.reset()
    yield request.param
    guard.reset()


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
