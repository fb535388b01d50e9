"""A real Redis Cluster of three masters on free loopback ports, started and stopped by tests.

Each master is a ``redis-server`` with ``--cluster-enabled yes``; ``redis-cli --cluster
create`` assigns the 16384 slots among them. Every node also gets its own free port for
the cluster bus (``--cluster-port``): the default, the client port plus 10000, may be
taken or beyond 65535 when the client port is an ephemeral one.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

from tests.requirements import require_binary
from tests.servers import HOST, Server, free_port

READY_WITHIN = 30  # seconds for the cluster to agree on its slots


def _command(*args: str) -> bytes:
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def cluster_info(port: int) -> dict[str, str]:
    """Return what ``CLUSTER INFO`` says on ``port`` ({} when it does not answer)."""
    try:
        with socket.create_connection((HOST, port), timeout=1) as sock:
            sock.sendall(_command("CLUSTER", "INFO"))
            data = b""
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    return {}
                data += chunk
            header, _, body = data.partition(b"\r\n")
            if not header.startswith(b"$"):
                return {}  # an error, such as "-LOADING"
            size = int(header[1:])
            while len(body) < size:
                chunk = sock.recv(4096)
                if not chunk:
                    return {}
                body += chunk
    except (OSError, ValueError):
        return {}
    lines = body[:size].decode(errors="replace").split("\r\n")
    return dict(line.split(":", 1) for line in lines if ":" in line)


class Cluster:
    """Three cluster-enabled masters; :meth:`start` forms the cluster, :meth:`stop` ends it."""

    def __init__(self, masters: int = 3):
        self.server_binary = require_binary("redis-server", "redis-server")
        self.cli_binary = require_binary("redis-cli", "redis-tools")
        self.workdir = tempfile.mkdtemp(prefix="layouts-redis-cluster-")
        self.servers = [self._server() for _ in range(masters)]

    def _server(self) -> Server:
        port, bus = free_port(), free_port()
        argv = [
            self.server_binary,
            "--port",
            str(port),
            "--cluster-enabled",
            "yes",
            "--cluster-port",
            str(bus),
            "--cluster-config-file",
            f"{self.workdir}/nodes-{port}.conf",
            "--cluster-node-timeout",
            "2000",
            # A master that fails takes only its own slots out of service: the others
            # go on answering for theirs (the default stops the whole cluster).
            "--cluster-require-full-coverage",
            "no",
            "--appendonly",
            "no",
            "--save",
            "",
            "--bind",
            HOST,
            "--dir",
            self.workdir,
        ]
        return Server(argv, port, b"PING\r\n", b"+PONG")

    @property
    def ports(self) -> list[int]:
        return [server.port for server in self.servers]

    @property
    def location(self) -> list[str]:
        """The ``LOCATION`` of a cache on this cluster: every master as a startup node."""
        return [f"redis://{HOST}:{port}" for port in self.ports]

    def start(self) -> None:
        try:
            for server in self.servers:
                server.start()
            subprocess.run(
                [self.cli_binary, "--cluster", "create"]
                + [f"{HOST}:{port}" for port in self.ports]
                + ["--cluster-replicas", "0", "--cluster-yes"],
                check=True,
                capture_output=True,
                timeout=READY_WITHIN,
            )
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def wait_until_ready(self) -> None:
        """Wait until every master agrees that the cluster is up and every slot served."""
        deadline = time.monotonic() + READY_WITHIN
        while True:
            infos = [cluster_info(port) for port in self.ports]
            if all(
                info.get("cluster_state") == "ok"
                and info.get("cluster_slots_ok") == "16384"
                and info.get("cluster_known_nodes") == str(len(self.servers))
                for info in infos
            ):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Redis Cluster did not become ready: {infos}")
            time.sleep(0.05)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextlib.contextmanager
def running_cluster(masters: int = 3) -> Iterator[Cluster]:
    """Start a cluster of ``masters`` masters for the ``with`` block and stop it afterwards."""
    cluster = Cluster(masters)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
