"""One resolved settings object: command line > environment > ini file > default.

Each value remembers where it came from, so the pytest header can say why the
gate is pointed where it is. Secrets (API key, database passwords) never appear
in ``repr`` or in the header. Standard library only: this runs at pytest start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_autopack.errors import UsageError
from pytest_autopack.flags import ROLLOUT_STAGES
from pytest_autopack.urls import DatabaseURL, mask_url, parse_database_url

STAGES = ("dev", "staging", "production")
BACKENDS = ("sqlite", "postgres", "both")


@dataclass(frozen=True)
class OptionSpec:
    """One setting: its option stem (``--autopack-<stem>``, ini ``autopack_<stem>``) and env variable."""

    stem: str
    env: str | None
    help: str
    default: Any = None
    choices: tuple[str, ...] | None = None
    flag: bool = False
    metavar: str | None = None

    @property
    def cli(self) -> str:
        return "--autopack-" + self.stem.replace("_", "-")

    @property
    def ini(self) -> str:
        return "autopack_" + self.stem


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("stage", "AUTOPACK_STAGE", "run the built-in gate suites for this environment tier", None, STAGES),
    OptionSpec(
        "rollout_stage",
        "AUTOPACK_ROLLOUT_STAGE",
        "which rollout stage's flag expectations apply (docs/STAGING_ROLLOUT.md)",
        "0",
        tuple(str(s) for s in ROLLOUT_STAGES),
    ),
    OptionSpec(
        "db_url",
        "DATABASE_URL",
        "target database (default: an embedded SQLite database, migrated and seeded, in a temp dir)",
    ),
    OptionSpec("api_url", "AUTOPACK_API_URL", "target control plane (default: the reference app, in process)"),
    OptionSpec("api_key", "AUTOPACK_API_KEY", "API key sent as X-API-Key"),
    OptionSpec(
        "report",
        "AUTOPACK_REPORT",
        "write the JSON gate report to PATH (and the Markdown report to PATH with .md)",
        metavar="PATH",
    ),
    OptionSpec(
        "backend",
        "AUTOPACK_TEST_BACKENDS",
        "dialects the autopack_db fixture family is parametrised over",
        "sqlite",
        BACKENDS,
    ),
    OptionSpec("pg_url", "AUTOPACK_PG_URL", "a PostgreSQL server the fixtures may create databases on"),
    OptionSpec(
        "require_postgres",
        "AUTOPACK_REQUIRE_POSTGRES",
        "fail (not skip) when no PostgreSQL can be provisioned",
        False,
        flag=True,
    ),
)


@dataclass(frozen=True)
class AutopackSettings:
    """The plugin's resolved configuration; ``sources`` maps each field to cli/env/ini/default."""

    stage: str | None = None
    rollout_stage: int = 0
    db_url: DatabaseURL | None = None
    api_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    report: str | None = None
    backend: str = "sqlite"
    pg_url: DatabaseURL | None = None
    require_postgres: bool = False
    silence: tuple[tuple[str, str], ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def dialects(self) -> tuple[str, ...]:
        """The dialects database fixtures run on, in a stable order."""
        return {"sqlite": ("sqlite",), "postgres": ("postgresql",), "both": ("sqlite", "postgresql")}[self.backend]

    def describe(self) -> list[str]:
        """Header lines: each value with its source, secrets redacted."""
        shown = {
            "stage": self.stage or "off (fixtures only)",
            "rollout_stage": self.rollout_stage,
            "db_url": str(self.db_url) if self.db_url else "embedded sqlite",
            "api_url": mask_url(self.api_url) if self.api_url else "embedded",
            "api_key": "***" if self.api_key else "none",
            "backend": self.backend,
            "pg_url": str(self.pg_url) if self.pg_url else "auto",
            "require_postgres": self.require_postgres,
        }
        return [f"{key}={value} ({self.sources.get(key, 'default')})" for key, value in shown.items()]


Getter = Callable[[str], Any]


def resolve_settings(
    cli: Getter,
    ini: Getter,
    environ: Mapping[str, str],
    silence: Sequence[str] = (),
) -> AutopackSettings:
    """Build settings from the three sources; bad values raise a one-line :class:`UsageError`.

    ``cli(stem)`` returns None when the option was not given (options default to
    None, so a falsy value on the command line still wins over the environment).
    """
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for spec in OPTIONS:
        value, source = _pick(spec, cli, ini, environ)
        values[spec.stem], sources[spec.stem] = _convert(spec, value, source), source
    return AutopackSettings(
        **values,
        silence=tuple(parse_silence(entry) for entry in silence if entry.strip()),
        sources=sources,
    )


def _pick(spec: OptionSpec, cli: Getter, ini: Getter, environ: Mapping[str, str]) -> tuple[Any, str]:
    value = cli(spec.stem)
    if value is not None and value is not False:
        return value, "cli"
    if spec.env and environ.get(spec.env, "").strip():
        return environ[spec.env], f"env {spec.env}"
    value = ini(spec.ini)
    if value not in (None, "", [], False):
        return value, "ini"
    return spec.default, "default"


def _convert(spec: OptionSpec, value: Any, source: str) -> Any:
    where = {"cli": spec.cli, "ini": f"ini {spec.ini}"}.get(source, source)
    if value is None:
        return None
    if spec.flag:
        return _parse_bool(value, where)
    text = str(value).strip()
    if spec.choices is not None and text not in spec.choices:
        choices = ", ".join(spec.choices)
        raise UsageError(f"{where}: invalid value {text!r} (choose from {choices})")
    if spec.stem == "rollout_stage":
        return int(text)
    if spec.stem in ("db_url", "pg_url"):
        url = parse_database_url(text, source=where)
        if spec.stem == "pg_url" and url.dialect != "postgresql":
            raise UsageError(f"{where}: must be a postgresql:// URL, got a {url.dialect} URL")
        return url
    if spec.stem == "api_url" and not text.startswith(("http://", "https://")):
        raise UsageError(f"{where}: expected an http:// or https:// URL, got {mask_url(text)!r}")
    return text


def _parse_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise UsageError(f"{where}: expected 1/0, true/false, yes/no or on/off, got {value!r}")


def parse_silence(entry: str) -> tuple[str, str]:
    """``CHECK_ID:reason`` → (id, reason); the reason is mandatory."""
    check_id, sep, reason = entry.partition(":")
    if not sep or not check_id.strip() or not reason.strip():
        raise UsageError(f"--autopack-silence: expected CHECK_ID:reason with a non-empty reason, got {entry!r}")
    return check_id.strip(), reason.strip()
