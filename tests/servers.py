"""Real Redis and memcached servers on free loopback ports, started and stopped by tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.requirements import require_binary

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _ask(port: int, command: bytes, expect: bytes) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as sock:
            sock.sendall(command)
            return expect in sock.recv(256)
    except OSError:
        return False


class Server:
    """A server process that can be stopped and started again on the same port."""

    def __init__(self, argv: list[str], port: int, ping: bytes, pong: bytes):
        self.argv, self.port, self.ping, self.pong = argv, port, ping, pong
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while not _ask(self.port, self.ping, self.pong):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"{self.argv[0]} did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def redis_server(*extra: str) -> Server:
    """A Redis server on a free loopback port; ``extra`` arguments go on its command line."""
    binary = require_binary("redis-server", "redis-server")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="layouts-redis-")
    argv = [
        binary,
        "--bind",
        HOST,
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        workdir,
        *extra,
    ]
    return Server(argv, port, b"PING\r\n", b"+PONG")


def redis_replica(primary: Server) -> Server:
    """A Redis replica of ``primary``; :func:`wait_for_replication` until it has synced."""
    return redis_server("--replicaof", HOST, str(primary.port))


def wait_for_replication(replica: Server) -> None:
    deadline = time.monotonic() + 15
    while not _ask(replica.port, b"INFO replication\r\n", b"master_link_status:up"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the replica on port {replica.port} did not sync")
        time.sleep(0.05)


def memcached_server() -> Server:
    binary = require_binary("memcached", "memcached")
    port = free_port()
    argv = [binary, "-l", HOST, "-p", str(port), "-U", "0"]
    if os.geteuid() == 0:
        argv += ["-u", "root"]
    return Server(argv, port, b"version\r\n", b"VERSION")


@contextlib.contextmanager
def running(server: Server):
    """Start ``server`` for the ``with`` block and stop it afterwards, whatever happens."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def away(server: Server, how: str) -> Iterator[Server]:
    """Take ``server`` away for the ``with`` block: ``"killed"`` stops it and starts it
    again afterwards (empty), ``"hung"`` stops it with SIGSTOP (it accepts connections
    and answers nothing) and resumes it afterwards with what it held."""
    if how == "killed":
        server.stop()
    else:
        assert how == "hung", how
        os.kill(server.process.pid, signal.SIGSTOP)  # type: ignore[union-attr]
    try:
        yield server
    finally:
        if how == "killed":
            server.start()
        else:
            os.kill(server.process.pid, signal.SIGCONT)  # type: ignore[union-attr]


@contextlib.contextmanager
def gunicorn(
    wsgi: str,
    env: dict[str, str],
    *,
    cwd: Path,
    ready_path: str = "/",
    log: Path | None = None,
    workers: int = 4,
    threads: int = 8,
) -> Iterator[str]:
    """Serve the WSGI module ``wsgi`` with gunicorn (gthread) on a free port; yield its
    base URL once ``ready_path`` answers, and stop it afterwards.

    ``log`` receives the server's stderr (the default is this process's).
    """
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        wsgi,
        "-b",
        f"{HOST}:{port}",
        "-w",
        str(workers),
        "-k",
        "gthread",
        "--threads",
        str(threads),
        "--log-level",
        "warning",
    ]
    with contextlib.ExitStack() as stack:
        stderr = stack.enter_context(open(log, "w")) if log is not None else None
        process = subprocess.Popen(argv, env=env, cwd=cwd, stderr=stderr)
        try:
            base = f"http://{HOST}:{port}"
            _wait_for_http(base + ready_path, process)
            yield base
        finally:
            # Quick shutdown: nothing is in flight when a test stops its server, and a
            # graceful one waits seconds for idle workers.
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


def _wait_for_http(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer {url} (exit code {process.poll()})")
