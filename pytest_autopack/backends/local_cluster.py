"""A private, throwaway PostgreSQL cluster started with the server's own ``initdb`` and ``pg_ctl``.

The cluster listens on a free port of 127.0.0.1 only, with Unix sockets disabled, trust
authentication and durability switched off (``fsync``, ``full_page_writes``): it is
reachable from this machine only and lives as long as the test run. ``initdb`` refuses to
run as root, so under root the tools run as the unprivileged ``postgres`` account (through
``subprocess``'s ``user=``/``group=``, no shell) in a directory handed over to it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pytest_autopack.urls import DatabaseURL

UNPRIVILEGED_ACCOUNT = "postgres"
FOLDER_PREFIX = "autopack-pg-"
OWNER_FILE = "owner.pid"
START_ATTEMPTS = 3
_EXE = ".exe" if os.name == "nt" else ""
USUAL_BIN_PATTERNS = (
    (Path("/usr/lib/postgresql"), "*/bin"),
    (Path("/usr/local/pgsql"), "bin"),
    (Path("/opt/homebrew/opt"), "postgresql*/bin"),
    (Path("/usr/local/opt"), "postgresql*/bin"),
    (Path("C:/Program Files/PostgreSQL"), "*/bin"),
)
_SETTINGS = (
    "listen_addresses = '127.0.0.1'",
    "unix_socket_directories = ''",
    "fsync = off",
    "synchronous_commit = off",
    "full_page_writes = off",
)


class ClusterError(Exception):
    """The local cluster could not be set up; the message is one line for the provisioning summary."""


@dataclass(frozen=True)
class Account:
    """The OS account the PostgreSQL tools run as when this process is root."""

    name: str
    uid: int
    gid: int


def usual_bin_dirs() -> list[Path]:
    """PostgreSQL bin folders of Debian/Ubuntu, source builds, Homebrew and the Windows installer, newest first."""
    found = [path for root, pattern in USUAL_BIN_PATTERNS if root.is_dir() for path in root.glob(pattern)]

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", str(path.relative_to(path.anchor))))

    return sorted(found, key=version, reverse=True)


def find_pg_bin(search_dirs: Iterable[Path] | None = None) -> Path | None:
    """The folder holding both ``initdb`` and ``pg_ctl``: PATH first, then :func:`usual_bin_dirs`."""
    if search_dirs is None:
        path_dirs = [Path(entry) for entry in os.environ.get("PATH", "").split(os.pathsep) if entry]
        search_dirs = [*path_dirs, *usual_bin_dirs()]
    for folder in search_dirs:
        pg_ctl = folder / f"pg_ctl{_EXE}"
        if pg_ctl.is_file() and (folder / f"initdb{_EXE}").is_file():
            return pg_ctl.resolve().parent  # pg_ctl finds postgres next to its real location
    return None


def unprivileged_account() -> Account | None:
    """Under POSIX root, the ``postgres`` account to run the tools as; raise if there is none.

    ``None`` means no switch is needed (not root, or Windows, where PostgreSQL drops
    administrator rights itself).
    """
    if os.name == "nt" or os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(UNPRIVILEGED_ACCOUNT)
    except KeyError:
        raise ClusterError(
            f"running as root (initdb refuses) and no {UNPRIVILEGED_ACCOUNT!r} account to run it as"
        ) from None
    return Account(entry.pw_name, entry.pw_uid, entry.pw_gid)


def _reachable_by(path: Path, account: Account) -> bool:
    """Whether ``account`` may traverse every folder down to ``path`` (pytest's temp root is 0700)."""
    for folder in [path, *path.parents]:
        mode = folder.stat()
        if mode.st_uid == account.uid:
            bit = stat.S_IXUSR
        elif mode.st_gid == account.gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not mode.st_mode & bit:
            return False
    return True


def free_loopback_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path) -> str:
    """The last non-empty line of a log file, for a one-line failure reason."""
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1] if lines else ""


@dataclass
class LocalCluster:
    """A running private cluster; :meth:`stop` shuts it down and deletes its folder."""

    bin_dir: Path
    root: Path
    port: int
    account: Account | None

    @property
    def data_dir(self) -> Path:
        """The cluster's PGDATA."""
        return self.root / "data"

    @property
    def admin_url(self) -> DatabaseURL:
        """Superuser ``postgres`` on the maintenance database, trust auth so no password."""
        return DatabaseURL(raw=f"postgresql://postgres@127.0.0.1:{self.port}/postgres", dialect="postgresql")

    def run(self, tool: str, *args: str, timeout_s: float = 120) -> None:
        """Run a PostgreSQL tool as the cluster's account; raise :class:`ClusterError` with its last output line."""
        output = self.root / f"{tool}.out"
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        drop = {} if self.account is None else {"user": self.account.uid, "group": self.account.gid, "extra_groups": []}
        executable = self.bin_dir / f"{tool}{_EXE}"
        with output.open("wb") as sink:  # a file, not a pipe: the server must not inherit our pipe
            try:
                code = subprocess.run(
                    [str(executable), *args],
                    stdin=subprocess.DEVNULL,
                    stdout=sink,
                    stderr=sink,
                    cwd=self.root,
                    env=env,
                    timeout=timeout_s,
                    check=False,
                    **drop,
                ).returncode
            except OSError as exc:
                who = f" as {self.account.name}" if self.account else ""
                raise ClusterError(f"cannot run {executable}{who}: {exc.strerror or exc}") from None
        if code != 0:
            raise ClusterError(f"{tool} failed ({code}): {_tail(output) or _tail(self.root / 'server.log')}")

    def start(self) -> None:
        """initdb, then start on a free port; a port taken in the meantime is retried with another."""
        self.run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        for attempt in range(1, START_ATTEMPTS + 1):
            self.port = free_loopback_port()
            with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
                conf.write("\n".join(("", *_SETTINGS, f"port = {self.port}", "")))
            try:
                self.run(
                    "pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.root / "server.log"), "-w", "-t", "60"
                )
                return
            except ClusterError:
                if attempt == START_ATTEMPTS:
                    raise

    def stop(self) -> None:
        """Fast shutdown (immediate if that fails), then remove the whole folder."""
        if (self.data_dir / "postmaster.pid").exists():
            try:
                self.run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30")
            except (ClusterError, subprocess.TimeoutExpired):
                self.run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate", "-w", "-t", "30")
        for _ in range(5):  # Windows releases file handles of an exited server with a delay
            shutil.rmtree(self.root, ignore_errors=True)
            if not self.root.exists():
                return
            time.sleep(0.2)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but someone else's
        return True
    return True


def reap_orphans(parent: Path, bin_dir: Path, account: Account | None) -> list[Path]:
    """Stop and delete clusters in ``parent`` whose owning process is gone; return their folders.

    A pytest killed by SIGKILL or SIGHUP runs no cleanup, and a postmaster does not notice
    that its parent died, so without this every such run would leave a server behind.
    POSIX only: on Windows probing a process id with ``os.kill`` would terminate it.
    """
    if os.name == "nt":
        return []
    reaped = []
    for root in parent.glob(f"{FOLDER_PREFIX}*"):
        try:
            pid = int((root / OWNER_FILE).read_text(encoding="ascii"))
        except (OSError, ValueError):
            continue  # still being set up, or not one of ours
        if _process_alive(pid):
            continue
        try:
            LocalCluster(bin_dir=bin_dir, root=root, port=0, account=account).stop()
        except ClusterError:
            continue
        reaped.append(root)
    return reaped


def start_local_cluster(workdir: Path, search_dirs: Iterable[Path] | None = None) -> LocalCluster:
    """Create and start a private cluster in a new folder under ``workdir``.

    Raises :class:`ClusterError` with a one-line reason when the tools are missing, root
    has no account to switch to, or the server does not start. Under root the folder goes
    to the system temp directory when the ``postgres`` account cannot reach ``workdir``.
    """
    bin_dir = find_pg_bin(search_dirs)
    if bin_dir is None:
        raise ClusterError("initdb/pg_ctl not found on PATH or in the usual PostgreSQL folders")
    account = unprivileged_account()
    workdir.mkdir(parents=True, exist_ok=True)
    parent = workdir if account is None or _reachable_by(workdir, account) else Path(tempfile.gettempdir())
    reap_orphans(parent, bin_dir, account)
    root = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX, dir=parent))
    (root / OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")
    if account is not None:
        os.chown(root, account.uid, account.gid)
    cluster = LocalCluster(bin_dir=bin_dir, root=root, port=0, account=account)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster
