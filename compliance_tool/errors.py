"""Errors that explain themselves: what went wrong, where, and how to fix it.

One base class, one subclass per subsystem: the repository and its files
(:class:`InventoryError`), rules and controls (:class:`PolicyError`), reports
(:class:`ReportError`), signatures (:class:`SigningError`), git (:class:`GitError`) and
scenarios (:class:`ScenarioError`). Each is bad input, not a bug: exit code 2
(``exit_code``). The CLI maps them to exit codes; nothing below the CLI prints or exits.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class ComplianceToolError(Exception):
    """Base class of every error the tool reports to its user (exit code 2)."""

    exit_code = EXIT_USAGE

    def __init__(
        self, message: str, *, where: str = "", hint: str = "", details: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint
        self.details = details or []

    def diagnostics(self) -> str:
        """The message shown to the user: ``where: message (hint)``, then one line per detail."""
        text = f"{self.where}: {self.message}" if self.where else self.message
        text = f"{text} ({self.hint})" if self.hint else text
        return "\n".join([text, *self.details])


class InventoryError(ComplianceToolError):
    """The governance repository cannot be read or written: a missing root, an unreadable
    path, an invalid ``compliance-tool.yaml``, an output file that cannot be written."""


class PolicyError(ComplianceToolError):
    """A rule, control or framework file cannot be used (bad Cerberus schema, unknown name)."""


class ReportError(ComplianceToolError):
    """A report cannot be rendered or written."""


class SigningError(ComplianceToolError):
    """A report cannot be signed or a signature cannot be checked."""


class GitError(ComplianceToolError):
    """A git revision or object cannot be read, or a git command fails."""


class ObserveError(ComplianceToolError):
    """A system of record cannot be observed: unreachable, refused, or an answer that is
    not what the system returns. Nothing is written when it is raised."""


class ExportError(ComplianceToolError):
    """An export cannot be made from the inventory and its settings: a threshold with no
    metric mapping, a duration another tool cannot express, a receiver that holds a secret."""


class ScenarioError(ComplianceToolError):
    """The scenarios cannot be run: unreadable feature files, a broken run."""


class NoFeaturesError(ScenarioError):
    """There is no feature file to run (a command that only wants evidence may go on)."""
