"""Errors that end a command with a specific exit code (CONTRACT §1)."""

from __future__ import annotations


class LaunchreadyError(Exception):
    """Base class: carries the exit code the CLI must use."""

    exit_code = 2


class UsageError(LaunchreadyError):
    """Bad command line or configuration: exit 2, one clear line naming file, key and line."""

    exit_code = 2


class ConfigError(UsageError):
    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        key: str | None = None,
        line: int | None = None,
    ) -> None:
        self.file, self.key, self.line = file, key, line
        where = file or "<config>"
        if line:
            where += f":{line}"
        if key:
            where += f": [{key}]"
        super().__init__(f"{where}: {message}")


class Inconclusive(LaunchreadyError):
    """Nothing of the target could be reached, or a measurement is invalid: exit 3."""

    exit_code = 3


class OutOfScope(LaunchreadyError):
    """An active probe was aimed at a host that the configuration does not name."""

    exit_code = 2
