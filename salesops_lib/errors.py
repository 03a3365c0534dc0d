"""Typed errors. Each one says what is wrong and what to do next."""

from __future__ import annotations


class SalesOpsError(Exception):
    """Base class of every error the workbench raises on purpose."""


class SalesOpsDataError(SalesOpsError, ValueError):
    """The input data cannot be analysed as it is.

    Parameters
    ----------
    message
        What is wrong and what to fix.
    problems
        Optional frame of every blocking problem found (``table, column, ids, message``).
    """

    def __init__(self, message: str, problems: object | None = None) -> None:
        super().__init__(message)
        self.problems = problems


class ConfigError(SalesOpsError, ValueError):
    """The configuration file or a parameter is invalid."""


class ReportError(SalesOpsError, RuntimeError):
    """The quarterly run could not produce its reports."""
