"""PostgreSQL in a throwaway Docker container via testcontainers (the ``containers`` extra).

Before testcontainers is even imported, the Docker engine is pinged with a raw
``GET /_ping`` on its socket and a sub-second timeout: the docker SDK's own client retries
and waits for many seconds when no engine runs, which is the common case on developer
laptops and would make every PostgreSQL-less pytest start slow. The image tag is pinned
so a new ``latest`` upstream cannot change the server under the tests.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from pytest_autopack.urls import DatabaseURL, parse_database_url

PINNED_IMAGE = "postgres:15.8-alpine"
PING_REQUEST = b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"


def _default_sockets() -> list[Path]:
    """Where Docker Engine, Docker Desktop and rootless Docker put their socket by default."""
    candidates = [Path("/var/run/docker.sock"), Path.home() / ".docker" / "run" / "docker.sock"]
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR")
    if runtime_dir:
        candidates.append(Path(runtime_dir) / "docker.sock")
    return candidates


def _ping(family: int, address: str | tuple[str, int], timeout_s: float) -> str | None:
    """Send ``/_ping`` to one engine address; ``None`` when it answered 200, else why not."""
    where = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else address
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(address)
            sock.sendall(PING_REQUEST)
            status = sock.recv(64).split(b"\r\n", 1)[0].decode("latin-1")
    except OSError as exc:
        return f"no Docker engine at {where}: {exc.strerror or exc}"
    return None if " 200 " in status + " " else f"Docker engine at {where} answered {status!r}"


def docker_unavailable_reason(timeout_s: float = 0.5) -> str | None:
    """``None`` when a Docker engine answers (``DOCKER_HOST`` or the default socket), else why not."""
    docker_host = os.environ.get("DOCKER_HOST", "").strip()
    if not docker_host:
        if os.name == "nt":
            pipe = Path(r"\\.\pipe\docker_engine")
            return None if pipe.exists() else "no Docker engine (named pipe docker_engine absent)"
        if not hasattr(socket, "AF_UNIX"):
            return "no Docker engine socket on this platform"
        sockets = [path for path in _default_sockets() if path.exists()]
        if not sockets:
            return "no Docker engine (DOCKER_HOST unset, no docker.sock)"
        reasons = [_ping(socket.AF_UNIX, str(path), timeout_s) for path in sockets]
        return None if None in reasons else "; ".join(r for r in reasons if r)
    parts = urlsplit(docker_host)
    if parts.scheme == "unix" and hasattr(socket, "AF_UNIX"):
        return _ping(socket.AF_UNIX, parts.path, timeout_s)
    if parts.scheme == "tcp" and parts.hostname:
        return _ping(socket.AF_INET, (parts.hostname, parts.port or 2375), timeout_s)
    if parts.scheme == "npipe":
        return None if Path(parts.path.replace("/", "\\")).exists() else f"no Docker engine at {docker_host}"
    return f"DOCKER_HOST scheme {parts.scheme!r} is not probed (use unix:// or tcp://)"


def containers_unavailable_reason(timeout_s: float = 0.5) -> str | None:
    """``None`` when testcontainers is installed and a Docker engine answers, else why not."""
    if importlib.util.find_spec("testcontainers") is None:
        return "testcontainers not installed (pip install 'pytest-autopack[containers]')"
    return docker_unavailable_reason(timeout_s)


def start_postgres_container(image: str = PINNED_IMAGE) -> tuple[DatabaseURL, Callable[[], None]]:
    """Start ``image`` and return its maintenance-database URL and the function that stops it.

    The password is random per container: the port is published on the Docker host, which
    may be reachable by others. testcontainers waits until the server answers a query.
    """
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # earlier 4.x releases ship the module at its old place
        from testcontainers.postgres import PostgresContainer

    container = PostgresContainer(
        image, username="autopack", password=secrets.token_hex(16), dbname="postgres", driver="psycopg2"
    )
    container.start()
    try:
        url = parse_database_url(container.get_connection_url(), source="testcontainers")
    except BaseException:
        container.stop()
        raise
    return url, container.stop
