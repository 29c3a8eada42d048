"""Database URL parsing and masking.

Every URL that may reach a log, a report, a header line or ``/health`` goes through
:func:`mask_url` first: passwords never leave the process.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from pytest_autopack.errors import UsageError

_SUPPORTED = {"sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql"}
_PASSWORD_IN_TEXT = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s]*)@", re.I)


@dataclass(frozen=True)
class DatabaseURL:
    """A validated database URL with its dialect; ``str()`` is the masked form."""

    raw: str
    dialect: str

    def __str__(self) -> str:
        return mask_url(self.raw)

    def __repr__(self) -> str:
        return f"DatabaseURL({mask_url(self.raw)!r})"

    @property
    def sqlalchemy_url(self) -> str:
        """The URL SQLAlchemy should connect with (``postgres://`` spelled as SQLAlchemy wants)."""
        scheme, sep, rest = self.raw.partition("://")
        if self.dialect == "postgresql" and scheme in ("postgres", "postgresql"):
            return f"postgresql+psycopg2://{rest}"
        return self.raw

    @property
    def identity(self) -> str:
        """First 12 hex digits of sha256 over the masked URL: names a target without revealing it."""
        return hashlib.sha256(mask_url(self.raw).encode()).hexdigest()[:12]


def parse_database_url(value: str, *, source: str = "--autopack-db-url") -> DatabaseURL:
    """Validate a database URL, raising a one-line :class:`UsageError` naming ``source``."""
    text = (value or "").strip()
    if not text:
        raise UsageError(f"{source}: empty database URL")
    if "://" not in text:
        raise UsageError(f"{source}: not a database URL (expected sqlite:///PATH or postgresql://HOST/DB): {text!r}")
    scheme = text.split("://", 1)[0].lower()
    base = scheme.split("+", 1)[0]
    dialect = _SUPPORTED.get(base)
    if dialect is None:
        raise UsageError(f"{source}: unsupported database scheme {scheme!r} (use sqlite or postgresql)")
    if dialect == "postgresql":
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as exc:
            raise UsageError(f"{source}: malformed PostgreSQL URL {mask_url(text)!r}: {exc}") from None
        if not parts.hostname and "host=" not in (parts.query or ""):
            raise UsageError(f"{source}: PostgreSQL URL has no host: {mask_url(text)!r}")
        if port is not None and not 0 < port < 65536:
            raise UsageError(f"{source}: port out of range in {mask_url(text)!r}")
        if not parts.path.strip("/"):
            raise UsageError(f"{source}: PostgreSQL URL names no database: {mask_url(text)!r}")
    elif not text.startswith(f"{scheme}:///") and text != f"{scheme}://":
        raise UsageError(f"{source}: SQLite URLs look like sqlite:///relative.db or sqlite:////abs/path.db")
    return DatabaseURL(raw=text, dialect=dialect)


def mask_url(text: str) -> str:
    """Replace every password in ``text`` (URLs in free text too) with ``***``."""
    return _PASSWORD_IN_TEXT.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)


def error_line(exc: BaseException, url: DatabaseURL | None = None) -> str:
    """First line of a (driver) error, any URL password and ``url``'s password masked: fit for any output."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    text = mask_url(lines[0] if lines else type(orig).__name__)
    password = urlsplit(url.raw).password if url is not None else None
    for secret in {password, unquote(password or "")} - {None, ""}:
        text = text.replace(secret, "***")
    return text
