"""The quarterly run: every report notebook rendered to HTML, safely.

Steps (each a function below): check the data once and resolve the quarter
(:func:`_load_checked`); freeze it to an Arrow snapshot every notebook maps into memory
(:func:`_freeze`); run the notebooks through Papermill in worker processes
(:mod:`~salesops_lib.run.workers`); write ``index.html`` and ``manifest.json``
(:func:`_write_outputs`); swap the folder into place (:mod:`~salesops_lib.run.publish`).

Nothing is lost: the run renders into a temporary folder beside the target and swaps it in
only at the end. A failed notebook gets a readable page (its traceback goes to
``logs/<name>.log``), is marked failed in the index, the others still render, and the
result says so (the CLI exits non-zero). If an earlier complete run of the quarter exists,
a run with failures does not replace it: it lands in ``<quarter>.failed/`` instead. A run
that fails before publishing, runs out of disk, or is stopped (SIGTERM, SIGINT) removes its
temporary folder and leaves the published reports byte-identical. One run at a time writes
to a reports folder (:mod:`~salesops_lib.run.lock`); the next run cleans up after one that
was killed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from salesops_lib import __version__
from salesops_lib.config import load_config, public_config, secrets_of
from salesops_lib.data import SalesData, load_dataset, write_snapshot
from salesops_lib.data.snapshot import SHARED, SNAPSHOT_META
from salesops_lib.errors import ConfigError, ReportError, SalesOpsError
from salesops_lib.periods import FiscalCalendar
from salesops_lib.run.index import earlier_runs, headline_figures, write_index
from salesops_lib.run.lock import reports_lock, unwritable
from salesops_lib.run.manifest import (
    build_manifest,
    carry_over,
    carry_over_team_pages,
    write_manifest,
)
from salesops_lib.run.notebook import (
    DEFAULT_NOTEBOOKS,
    PROJECT_ROOT,
    describe,
    list_notebooks,
    longest_first,
    render_notebook,
)
from salesops_lib.run.pages import failure_html, notebook_html
from salesops_lib.run.pdf import write_pack_pdf
from salesops_lib.run.publish import clean_leftovers, publish, rendering_folder, scrub
from salesops_lib.run.results import NotebookResult, RunResult
from salesops_lib.run.stop import RunStopped, StopSignals, pause_point
from salesops_lib.run.summary import summary_findings, write_key_tables, write_summary
from salesops_lib.run.teams import team_folders, teams_in, write_team_pages
from salesops_lib.run.workers import render_all

__all__ = [
    "DEFAULT_NOTEBOOKS",
    "PROJECT_ROOT",
    "NotebookResult",
    "RunResult",
    "RunStopped",
    "describe",
    "failure_html",
    "headline_figures",
    "history_since",
    "list_notebooks",
    "longest_first",
    "notebook_html",
    "render_notebook",
    "run_quarter",
]

log = logging.getLogger("salesops_lib.run")

HISTORY_QUARTERS = 16
"""Quarters of history snapshots and activities before the report's quarter that a run reads."""


def history_since(cfg: dict, quarter: str | None) -> pd.Timestamp | None:
    """First day of history a run needs: ``data.history_quarters`` (16) quarters before ``quarter``.

    Parameters
    ----------
    cfg
        The run's configuration (``fiscal.start_month``, ``data.history_quarters``).
    quarter
        Fiscal quarter label, or None.

    Returns
    -------
    pandas.Timestamp or None
        None (read everything) when the quarter is not given or not understood, since the
        latest complete quarter is only known after reading.
    """
    if not quarter or not str(quarter).strip():
        return None
    data_cfg = cfg.get("data", {}) if isinstance(cfg.get("data", {}), dict) else {}
    fiscal = cfg.get("fiscal", {}) if isinstance(cfg.get("fiscal", {}), dict) else {}
    try:
        cal = FiscalCalendar(int(fiscal.get("start_month", 1)))
        n = int(data_cfg.get("history_quarters", HISTORY_QUARTERS))
        return cal.bounds(cal.shift(str(quarter).strip(), -n))[0]
    except (ValueError, TypeError, ConfigError):
        return None


@dataclass(frozen=True)
class _Run:
    """What one run renders and where."""

    data: SalesData
    quarter: str
    as_of: pd.Timestamp
    out: Path
    tmp: Path
    secrets: list[str]
    pdf: bool = False
    teams: dict[str, str] = field(default_factory=dict)
    """Team name to its folder under ``teams/`` (empty: no team pages)."""

    @property
    def final(self) -> Path:
        return self.out / self.quarter

    @property
    def meta(self) -> dict[str, str]:
        return {
            "quarter": self.quarter,
            "as_of": str(self.as_of.date()),
            "fingerprint": self.data.fingerprint(),
            "version": __version__,
        }


def run_quarter(
    source: str | Path,
    *,
    quarter: str | None = None,
    as_of: str | None = None,
    preset: str | None = None,
    config: str | Path | None = None,
    out: str | Path = "reports",
    only: list[str] | None = None,
    jobs: int | None = None,
    notebooks: str | Path = DEFAULT_NOTEBOOKS,
    progress: bool = True,
    timeout: int = 1800,
    pdf: bool = False,
    teams: bool | None = None,
) -> RunResult:
    """Render every report for a quarter into ``out/<quarter>/``.

    Parameters
    ----------
    source, preset, config
        The data, as :func:`~salesops_lib.load_dataset` takes them.
    quarter
        Fiscal quarter label; default the latest complete quarter in the data.
    as_of
        ``YYYY-MM-DD``; default the quarter's end (or the data's last date mid-quarter).
    out
        Folder that holds one sub-folder per quarter.
    only
        Render only these reports; the quarter's other reports are kept from the last run.
    jobs
        Notebooks run at once (default: the number of cores).
    notebooks
        Folder of report notebooks.
    progress
        Show a progress bar on stderr.
    timeout
        Seconds one notebook cell may run.
    pdf
        Also print the pack to ``00_pack.pdf`` (:mod:`~salesops_lib.run.pdf`); ``notes`` say how.
    teams
        Also render each team's pages (:mod:`~salesops_lib.run.teams`); None: as
        :func:`wants_teams` reads the config.

    Returns
    -------
    RunResult

    Raises
    ------
    SalesOpsDataError, ConfigError
        Before anything is rendered; nothing on disk changes.
    ReportError
        Bad parameters, another run writing to ``out`` (``ReportsBusyError``), a folder
        that cannot be written, a damaged snapshot, a disk that fills: one line each, and
        the published reports are unchanged.
    RunStopped
        On SIGTERM or SIGINT (in the main thread): workers and kernels are killed, the
        temporary folder removed, nothing published.
    """
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    cfg = load_config(config) if config else {}
    teams = wants_teams(cfg, teams)
    secrets = secrets_of(cfg, str(source))
    books = list_notebooks(Path(notebooks), only)
    if not books:
        raise ReportError(f"no report notebooks found in {notebooks}")
    out = _reports_folder(Path(out))
    with StopSignals() as stop, reports_lock(out):
        for line in clean_leftovers(out):
            log.warning(line)
        data, q, as_of_ts = _load_checked(
            source, cfg, quarter=quarter, as_of=as_of, preset=preset, config=config
        )
        try:
            tmp = rendering_folder(out, q)
        except OSError as exc:
            raise unwritable(out, exc) from None
        folders = team_folders(teams_in(data)) if teams else {}
        run = _Run(data, q, as_of_ts, out, tmp, secrets, pdf, folders)
        try:
            parameters = _parameters(
                run, preset=preset, config=config, only=only, jobs=jobs, teams=teams
            )
            results, team_results, target, notes = _render_and_publish(
                run, books, cfg, stop, parameters, started, t0,
                only=only, jobs=jobs, progress=progress, timeout=timeout,
            )  # fmt: skip
        except BaseException as exc:
            with stop.deferred():
                shutil.rmtree(tmp, ignore_errors=True)
            if stop.received is not None and not isinstance(exc, RunStopped):
                # a signal sent to the whole group killed a worker just before it reached us
                raise RunStopped(stop.received) from None
            readable = _readable(exc, run.final)
            if readable is not None:
                raise readable from None
            raise
    return RunResult(q, str(as_of_ts.date()), target, results, notes, team_results)


def _parameters(
    run: _Run,
    *,
    preset: str | None,
    config: str | Path | None,
    only: list[str] | None,
    jobs: int | None,
    teams: bool,
) -> dict[str, Any]:
    """The run's parameters as ``manifest.json`` records them."""
    return {
        "source": run.data.source,
        "preset": preset,
        "config": None if not config else str(config),
        "quarter": run.quarter,
        "as_of": str(run.as_of.date()),
        "only": only,
        "jobs": jobs or os.cpu_count(),
        "teams": teams,
    }


def wants_teams(cfg: dict, given: bool | None) -> bool:
    """Whether the run renders team pages: ``--teams``, else the config's ``[report] teams``.

    Parameters
    ----------
    cfg
        The run's configuration.
    given
        ``run_quarter``'s ``teams`` (None: not said).

    Returns
    -------
    bool

    Raises
    ------
    ConfigError
        If ``[report] teams`` is not true or false.
    """
    if given is not None:
        return bool(given)
    section = cfg.get("report", {})
    value = section.get("teams", False) if isinstance(section, dict) else False
    if not isinstance(value, bool):
        raise ConfigError(f"[report] teams must be true or false, not {value!r}")
    return value


def _render_and_publish(
    run: _Run,
    books: list[Path],
    cfg: dict,
    stop: StopSignals,
    parameters: dict[str, Any],
    started: dt.datetime,
    t0: float,
    *,
    only: list[str] | None,
    jobs: int | None,
    progress: bool,
    timeout: int,
) -> tuple[list[NotebookResult], list[NotebookResult], Path, list[str]]:
    """Freeze the data, render the notebooks, write the index and manifest, swap into place.

    The notebooks not rendered (``only``) are carried over from the last run; the results
    (the company's, then the team pages) come back sorted by name with the folder published.
    """
    pause_point("snapshot")
    params = _freeze(run, cfg)
    rendered = render_all(
        books, run.tmp, params, run.meta, run.secrets, jobs=jobs, progress=progress,
        timeout=timeout, stop=stop, teams=run.teams,
    )  # fmt: skip
    results = [r for r in rendered if not r.team]
    team_results = [r for r in rendered if r.team]
    if only:
        now = {b.stem for b in books}
        results += carry_over(run.final, run.tmp, now)
        team_results += carry_over_team_pages(run.final, run.tmp, now, run.teams)
    results.sort(key=lambda r: r.name)
    team_results.sort(key=lambda r: (r.team, r.name))
    complete, notes = _write_outputs(
        run, results, team_results, parameters, started, time.perf_counter() - t0
    )
    pause_point("publish")
    with stop.deferred():  # the swap is never cut in half
        target = publish(run.tmp, run.final, ok=complete)
    return results, team_results, target, notes


def _reports_folder(out: Path) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise unwritable(out, exc) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise unwritable(out, PermissionError(13, "Permission denied"))
    return out


def _load_checked(
    source: str | Path,
    cfg: dict,
    *,
    quarter: str | None,
    as_of: str | None,
    preset: str | None,
    config: str | Path | None,
) -> tuple[SalesData, str, pd.Timestamp]:
    """Load and validate the data, then resolve and check the quarter and the as-of day."""
    data = _load(source, cfg, quarter=quarter, preset=preset, config=config)
    q = quarter.strip() if quarter else data.latest_complete_quarter()
    q = data.calendar.label(data.calendar.period(q))
    if q not in data.quarters():
        raise ReportError(
            f"quarter {q} is outside the data ({data.quarters()[0]} to {data.quarters()[-1]})"
        )
    as_of_ts = data.default_as_of(q) if not as_of else pd.Timestamp(as_of).normalize()
    start, end = data.calendar.bounds(q)
    if not start <= as_of_ts <= end:
        raise ReportError(
            f"as_of {as_of_ts.date()} is outside {q} ({start.date()} to {end.date()})"
        )
    return data, q, as_of_ts


def _load(
    source: str | Path,
    cfg: dict,
    *,
    quarter: str | None,
    preset: str | None,
    config: str | Path | None,
) -> SalesData:
    """Load the data; a snapshot folder given as the source is checked against its fingerprint."""
    snap = Path(source) / SNAPSHOT_META if "://" not in str(source) else None
    if snap is None or not snap.is_file():
        return load_dataset(source, preset=preset, config=config, since=history_since(cfg, quarter))
    what = f"the snapshot in {source} is damaged"
    try:
        meta = json.loads(snap.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    frozen_from = meta.get("source") if isinstance(meta, dict) else None
    todo = (
        f"run from the data it was frozen from (--data {frozen_from}) or freeze it again "
        "with salesops_lib.data.write_snapshot"
        if frozen_from
        else "run from the source data, or freeze it again with salesops_lib.data.write_snapshot"
    )
    try:
        recorded = meta["fingerprint"]
        data = load_dataset(source)
    except SalesOpsError:
        raise
    except Exception as exc:  # noqa: BLE001 - Arrow, JSON and OS errors alike: a damaged file
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        if isinstance(exc, KeyError):
            first = f"{SNAPSHOT_META} cannot be read or lacks {exc}"
        raise ReportError(f"{what} ({first}); {todo}") from None
    if recorded and data.fingerprint() != recorded:
        raise ReportError(
            f"{what}: its tables no longer match the fingerprint recorded when it was frozen; "
            f"{todo}"
        )
    return data


def _freeze(run: _Run, cfg: dict) -> dict[str, Any]:
    """Write the snapshot and the public config the notebooks read; return their parameters."""
    snapshot = write_snapshot(run.data, run.tmp / "_snapshot")
    (snapshot / SHARED).mkdir()  # results one report works out and another reads
    cfg_path = snapshot / "config.json"
    cfg_path.write_text(json.dumps(public_config(cfg), indent=2, default=str), encoding="utf-8")
    (run.tmp / "logs").mkdir()
    return {
        "data": str(snapshot.resolve()),
        "quarter": run.quarter,
        "as_of": str(run.as_of.date()),
        "config": str(cfg_path.resolve()),
        "team": "",
        "output_dir": str(run.tmp.resolve()),
    }


def _write_outputs(
    run: _Run,
    results: list[NotebookResult],
    team_results: list[NotebookResult],
    parameters: dict[str, Any],
    started: dt.datetime,
    duration: float,
) -> tuple[bool, list[str]]:
    """Write the summary, workbook, PDF, index and manifest, drop the snapshot, mask secrets.

    Returns whether the run is complete, and the notes about the files beside the reports.
    """
    headline = headline_figures(run.data, run.quarter, run.as_of)
    teams = write_team_pages(run.tmp, run.teams, results, team_results, run.meta)
    summary = write_summary(run.tmp, results, headline, run.meta, run.data.currency)
    workbook = write_key_tables(run.tmp, results, run.quarter)
    pdf, notes = None, []
    if parameters.get("teams") and not run.teams:
        notes.append("no team pages: the data names no team (add each rep's team to the reps file)")
    if run.pdf:
        pdf, note = write_pack_pdf(
            run.tmp,
            [summary.stem, *(r.name for r in results)],
            f"Sales reports for {run.quarter}",
        )
        notes.append(note)
    write_index(
        run.tmp, run.data, run.quarter, run.as_of, results, headline, run.meta,
        earlier=earlier_runs(run.out, run.quarter), workbook=workbook, pdf=pdf, teams=teams,
    )  # fmt: skip
    manifest = build_manifest(
        quarter=run.quarter,
        as_of=str(run.as_of.date()),
        parameters=parameters,
        fingerprint=run.data.fingerprint(),
        results=results,
        headline=headline,
        data_warnings=len(run.data.warnings),
        started=started,
        duration=duration,
        summary={
            "html": summary.name,
            "findings": summary_findings(results),
            "workbook": workbook.name if workbook else None,
            "pdf": pdf.name if pdf else None,
            "notes": notes,
        },
        teams=teams,
    )
    write_manifest(run.tmp, manifest, run.secrets)
    shutil.rmtree(run.tmp / "_snapshot")
    scrub(run.tmp, run.secrets)
    return manifest["status"] == "complete", notes


def _readable(exc: BaseException, final: Path) -> ReportError | None:
    """The one-line error for a run that broke off while rendering, or None to re-raise."""
    kept = "nothing was published" + (
        f"; the last reports in {final} are unchanged" if final.exists() else ""
    )
    if isinstance(exc, BrokenProcessPool):
        return ReportError(
            "a report's worker process ended unexpectedly (killed by the system, perhaps out "
            f"of memory); {kept}. Run again, with fewer --jobs if it happens again."
        )
    if isinstance(exc, OSError):
        where = f" ({Path(exc.filename).name})" if exc.filename else ""
        return ReportError(
            f"could not finish writing the reports: {exc.strerror or exc}{where}; {kept}. "
            f"Free some disk space or fix the permissions of {final.parent}, then run again."
        )
    return None
