"""Find or start a PostgreSQL server for the test run (SPEC §3 provisioning order).

1. an explicit URL (``--autopack-pg-url`` / ``AUTOPACK_PG_URL``) always wins, and if it does
   not answer that is an error, never a silent fall-back to another server;
2. testcontainers, only when it is installed and a Docker engine answers a sub-second ping;
3. a private local cluster from ``initdb``/``pg_ctl`` found on this machine;
4. otherwise :class:`PostgresUnavailable`, one line listing why each path failed, which the
   plugin turns into a skip (or an error under ``--autopack-require-postgres``).

Provision once per run (on the xdist controller) and hand ``server.admin`` to the workers:
each worker provisioning on its own would start one container or cluster per worker.
"""

from __future__ import annotations

import atexit
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pytest_autopack.backends.containers import containers_unavailable_reason, start_postgres_container
from pytest_autopack.backends.local_cluster import ClusterError, start_local_cluster
from pytest_autopack.backends.pg_admin import host_port, ping
from pytest_autopack.errors import ProvisioningError, UsageError
from pytest_autopack.urls import DatabaseURL, error_line, parse_database_url

READY_TIMEOUT_S = 30.0


class PostgresUnavailable(ProvisioningError):
    """No path of the provisioning chain produced a server; ``reasons`` holds one entry per path."""

    def __init__(self, reasons: list[str], *, require: bool) -> None:
        self.reasons = reasons
        lead = "PostgreSQL required but none could be provisioned" if require else "no PostgreSQL available"
        super().__init__(f"{lead}: " + "; ".join(reasons))


@dataclass
class PostgresServer:
    """A server the run may create databases on; :meth:`close` stops it if this process started it."""

    admin: DatabaseURL
    source: str  # "url" | "testcontainers" | "local-cluster"
    location: Path | None = None  # the folder a local cluster lives in, removed by close()
    _stop: Callable[[], None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self._stop is not None:  # also stop a server we started when pytest dies without cleanup
            atexit.register(self.close)

    def describe(self) -> str:
        """One line for the pytest header: where the server came from and where it is, no password."""
        where = f" in {self.location}" if self.location is not None else ""
        return f"PostgreSQL via {self.source} at {host_port(self.admin)}{where} ({self.admin})"

    def close(self) -> None:
        """Stop the container or cluster this process started; a no-op for a given URL or a second call."""
        stop, self._stop = self._stop, None
        if stop is not None:
            atexit.unregister(self.close)
            stop()

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def wait_ready(admin: DatabaseURL, *, source: str, timeout_s: float = READY_TIMEOUT_S) -> None:
    """Poll with a real query until the server accepts it, re-raising the last failure at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            ping(admin, source=source, timeout_s=2)
            return
        except ProvisioningError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


def _from_url(explicit_url: str, url_source: str) -> PostgresServer:
    url = parse_database_url(explicit_url, source=url_source)
    if url.dialect != "postgresql":
        raise UsageError(f"{url_source}: expected a postgresql:// URL, got a {url.dialect} one")
    ping(url, source=url_source)
    return PostgresServer(admin=url, source="url")


def _from_container(docker_timeout_s: float) -> PostgresServer | str:
    reason = containers_unavailable_reason(docker_timeout_s)
    if reason is not None:
        return reason
    try:
        url, stop = start_postgres_container()
    except Exception as exc:  # docker SDK, image pull and start-up errors come in many types
        return f"container did not start: {error_line(exc)}"
    server = PostgresServer(admin=url, source="testcontainers", _stop=stop)
    try:
        wait_ready(url, source="testcontainers")
    except ProvisioningError as exc:
        server.close()
        return str(exc)
    return server


def _from_local_cluster(workdir: Path, search_dirs: Iterable[Path] | None) -> PostgresServer | str:
    try:
        cluster = start_local_cluster(workdir, search_dirs)
    except (ClusterError, OSError, subprocess.SubprocessError) as exc:
        return error_line(exc)
    server = PostgresServer(admin=cluster.admin_url, source="local-cluster", location=cluster.root, _stop=cluster.stop)
    try:
        wait_ready(cluster.admin_url, source="local cluster")
    except ProvisioningError as exc:
        server.close()
        return str(exc)
    return server


def provision_postgres(
    explicit_url: str | None,
    *,
    require: bool,
    workdir: Path,
    url_source: str = "--autopack-pg-url",
    search_dirs: Iterable[Path] | None = None,
    docker_timeout_s: float = 0.5,
) -> PostgresServer:
    """Walk the provisioning chain and return the first server that answers a query.

    ``workdir`` holds a local cluster's folder (removed by ``close()``). ``search_dirs``
    replaces PATH and the usual folders when looking for ``initdb`` (tests use it).
    Raises :class:`UsageError` for a malformed URL, :class:`ProvisioningError` for an
    explicit URL that does not answer, and :class:`PostgresUnavailable` when every
    path failed; ``require`` only changes the wording of the latter.
    """
    if explicit_url is not None:
        return _from_url(explicit_url, url_source)
    reasons = [f"url: none given ({url_source} / AUTOPACK_PG_URL)"]
    for label, attempt in (
        ("testcontainers", lambda: _from_container(docker_timeout_s)),
        ("local cluster", lambda: _from_local_cluster(workdir, search_dirs)),
    ):
        result = attempt()
        if isinstance(result, PostgresServer):
            return result
        reasons.append(f"{label}: {result}")
    raise PostgresUnavailable(reasons, require=require)
