"""What a quarterly run produced: one result per report and one for the run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class NotebookResult:
    """How one report notebook fared."""

    name: str
    title: str
    question: str
    status: str  # "ok" or "failed"
    duration: float
    error: str = ""
    kept: bool = False  # carried over from the previous run (``--only``)
    completeness: str = "Ready"  # or "Partial: no quotas, ..." as the report said
    findings: list[dict[str, Any]] = field(default_factory=list)
    """The builder's findings: ``text, at_stake, section, anchor`` (the section's id in the page)."""
    outlook: dict[str, Any] | None = None  # report 03's figures of the quarter ahead
    table: dict[str, Any] | None = None  # its key table for the workbook (handouts.table_record)
    team: str = ""  # the team the page is narrowed to ("": the company's report)

    @property
    def partial(self) -> bool:
        """True when the report rendered but some sections lack the data they need."""
        return self.status == "ok" and self.completeness != "Ready"

    @property
    def html(self) -> str:
        """File name of the report's HTML page."""
        return f"{self.name}.html"


@dataclass
class RunResult:
    """What a quarterly run produced."""

    quarter: str
    as_of: str
    folder: Path
    results: list[NotebookResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """One line each about the files beside the reports (the PDF made, or why not)."""
    teams: list[NotebookResult] = field(default_factory=list)
    """The team pages (``--teams``), each with its ``team``."""

    @property
    def ok(self) -> bool:
        """True when every report and every team page rendered."""
        return all(r.status == "ok" for r in [*self.results, *self.teams])

    @property
    def failed(self) -> list[NotebookResult]:
        """The reports and team pages that failed."""
        return [r for r in [*self.results, *self.teams] if r.status != "ok"]
