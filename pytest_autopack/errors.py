"""Exceptions that carry a one-line message meant for a person, not a traceback."""

from __future__ import annotations


class AutopackError(Exception):
    """A failure the user can act on; the CLI and the plugin print only its message."""


class UsageError(AutopackError):
    """Bad input from the user: an option value, a URL, a limit, an id, a file."""


class ProvisioningError(AutopackError):
    """No database of the requested kind could be provided."""


class MigrationError(AutopackError):
    """A migration step failed; the database was left as it was before the step."""
