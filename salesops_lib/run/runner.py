"""The quarterly run: every report notebook rendered to HTML, safely.

Steps: validate the data once; freeze it to a Parquet snapshot every notebook reads; run the
notebooks through Papermill's Python API in parallel; convert each to HTML in-process with
the code and the injected parameters removed; write ``index.html`` and ``manifest.json``.

Nothing is lost: the run renders into a temporary folder beside the target and swaps it in
only at the end. A failed notebook gets a readable page (its traceback goes to
``logs/<name>.log``), is marked failed in the index, the others still render, and the
result says so (the CLI exits non-zero). If an earlier complete run of the quarter exists,
a run with failures does not replace it: it lands in ``<quarter>.failed/`` instead. A run
that fails before rendering leaves everything untouched.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from salesops_lib import __version__
from salesops_lib.config import load_config, mask, public_config, secrets_of
from salesops_lib.data import SalesData, load_dataset, write_snapshot
from salesops_lib.errors import ConfigError, ReportError
from salesops_lib.format import money, pct, ratio
from salesops_lib.periods import FiscalCalendar

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_NOTEBOOKS = PROJECT_ROOT / "notebooks"
_ENV = Environment(
    loader=PackageLoader("salesops_lib.render", "templates"), autoescape=select_autoescape(["html"])
)


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

    @property
    def ok(self) -> bool:
        """True when every report rendered."""
        return all(r.status == "ok" for r in self.results)

    @property
    def failed(self) -> list[NotebookResult]:
        """The reports that failed."""
        return [r for r in self.results if r.status != "ok"]


def list_notebooks(folder: Path = DEFAULT_NOTEBOOKS, only: list[str] | None = None) -> list[Path]:
    """Report notebooks in ``folder`` (``NN_name.ipynb``), optionally those named in ``only``.

    ``only`` entries match the full stem (``01_team_visibility``), its number (``01``) or
    its name (``team_visibility``).

    Raises
    ------
    ReportError
        If an ``only`` entry matches no notebook.
    """
    books = sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))
    if not only:
        return books
    chosen = []
    for want in only:
        w = want.strip().removesuffix(".ipynb")
        match = [b for b in books if w in (b.stem, b.stem[:2], b.stem[3:])]
        if not match:
            raise ReportError(
                f"--only {want!r} matches no report; reports: {', '.join(b.stem for b in books)}"
            )
        chosen.extend(m for m in match if m not in chosen)
    return chosen


def describe(path: Path) -> tuple[str, str]:
    """Title (first ``# `` heading) and question (first paragraph) of a notebook."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            lines = cell.source.strip().splitlines()
            title = lines[0].lstrip("# ").strip()
            rest = " ".join(line.strip() for line in lines[1:] if line.strip())
            return title, re.sub(r"[*_`]", "", rest)[:300]
    return path.stem, ""


HISTORY_QUARTERS = 16
"""Quarters of history snapshots and activities before the report's quarter that a run reads."""


def history_since(cfg: dict, quarter: str | None) -> pd.Timestamp | None:
    """First day of history a run needs: ``data.history_quarters`` (16) quarters before ``quarter``.

    None (read everything) when the quarter is not given, since the latest complete
    quarter is only known after reading.
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
    timeout
        Seconds one notebook cell may run.

    Returns
    -------
    RunResult

    Raises
    ------
    SalesOpsDataError, ConfigError, ReportError
        Before anything is rendered; nothing on disk changes.
    """
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    cfg = load_config(config) if config else {}
    secrets = secrets_of(cfg, str(source))
    books = list_notebooks(Path(notebooks), only)
    if not books:
        raise ReportError(f"no report notebooks found in {notebooks}")
    data = load_dataset(source, preset=preset, config=config, since=history_since(cfg, quarter))
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

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    final = out / q
    tmp = out / f".{q}.rendering-{os.getpid()}-{int(time.time())}"
    tmp.mkdir()
    try:
        snapshot = write_snapshot(data, tmp / "_snapshot")
        cfg_path = snapshot / "config.json"
        cfg_path.write_text(json.dumps(public_config(cfg), indent=2, default=str), encoding="utf-8")
        (tmp / "logs").mkdir()
        params = {
            "data": str(snapshot.resolve()),
            "quarter": q,
            "as_of": str(as_of_ts.date()),
            "config": str(cfg_path.resolve()),
            "team": "",
            "output_dir": str(tmp.resolve()),
        }
        meta = {
            "quarter": q,
            "as_of": str(as_of_ts.date()),
            "fingerprint": data.fingerprint(),
            "version": __version__,
        }
        results = _render_all(books, tmp, params, meta, secrets, jobs, progress, timeout)
        kept = _carry_over(final, tmp, {b.stem for b in books}) if only else []
        results = sorted(results + kept, key=lambda r: r.name)
        headline = headline_figures(data, q, as_of_ts)
        _write_index(tmp, data, q, as_of_ts, results, headline, meta)
        finished = dt.datetime.now(dt.UTC)
        manifest = {
            "quarter": q,
            "as_of": str(as_of_ts.date()),
            "status": "complete" if all(r.status == "ok" for r in results) else "failed",
            "parameters": {
                "source": data.source,
                "preset": preset,
                "config": None if not config else str(config),
                "quarter": q,
                "as_of": str(as_of_ts.date()),
                "only": only,
                "jobs": jobs or os.cpu_count(),
            },
            "data_fingerprint": meta["fingerprint"],
            "library_version": __version__,
            "python_version": sys.version.split()[0],
            "started": started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
            "duration_seconds": round(time.perf_counter() - t0, 2),
            "headline": {k: v for k, v in headline.get("raw", {}).items()},
            "reports": [
                {
                    "name": r.name,
                    "title": r.title,
                    "status": r.status,
                    "duration_seconds": round(r.duration, 2),
                    "error": r.error,
                    "kept_from_previous_run": r.kept,
                    "html": r.html,
                }
                for r in results
            ],
            "data_warnings": int(len(data.warnings)),
        }
        text = mask(json.dumps(manifest, indent=2, default=str), secrets)
        (tmp / "manifest.json").write_text(text, encoding="utf-8")
        shutil.rmtree(tmp / "_snapshot")
        _scrub(tmp, secrets)
        target = _publish(tmp, final, ok=manifest["status"] == "complete")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return RunResult(quarter=q, as_of=str(as_of_ts.date()), folder=target, results=results)


def _render_all(books, tmp, params, meta, secrets, jobs, progress, timeout) -> list[NotebookResult]:
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    if jobs > 1:  # notebooks run side by side: one math thread each, or they fight over the cores
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
    results: list[NotebookResult] = []
    bar = _Progress(len(books), enabled=progress)
    if jobs == 1 or len(books) == 1:
        for b in books:
            r = render_notebook(b, tmp, params, meta, secrets, timeout)
            bar.step(r)
            results.append(r)
        return results
    with ProcessPoolExecutor(max_workers=min(jobs, len(books))) as pool:
        futures = [
            pool.submit(render_notebook, b, tmp, params, meta, secrets, timeout)
            for b in longest_first(books, Path(tmp).parent)
        ]
        for f in as_completed(futures):
            r = f.result()
            bar.step(r)
            results.append(r)
    return results


def longest_first(books: list[Path], out: Path) -> list[Path]:
    """Notebooks in the order to start them: the longest first, so none starts last and
    leaves the other workers idle while it runs alone.

    A notebook's expected time is its duration in the most recent run found in ``out``
    (any quarter's ``manifest.json``), else the ``salesops.expected_seconds`` of its
    metadata, else 0. Ties keep the name order.
    """
    known: dict[str, float] = {}
    manifests = sorted(Path(out).glob("*/manifest.json"), key=lambda p: p.stat().st_mtime)
    for m in manifests:  # later runs overwrite earlier ones
        try:
            for r in json.loads(m.read_text(encoding="utf-8")).get("reports", []):
                if r.get("status") == "ok" and r.get("duration_seconds"):
                    known[str(r["name"])] = float(r["duration_seconds"])
        except (OSError, ValueError, TypeError, AttributeError):
            continue

    def expected(book: Path) -> float:
        if book.stem in known:
            return known[book.stem]
        try:
            meta = json.loads(book.read_text(encoding="utf-8")).get("metadata", {})
            return float(meta.get("salesops", {}).get("expected_seconds", 0.0))
        except (OSError, ValueError, TypeError, AttributeError):
            return 0.0

    return sorted(books, key=lambda b: -expected(b))


class _Progress:
    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total, self.done, self.enabled = total, 0, enabled

    def step(self, r: NotebookResult) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 24
        filled = int(width * self.done / self.total)
        mark = "ok" if r.status == "ok" else "FAILED"
        print(
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {r.name} {mark} ({r.duration:.1f} s)",
            file=sys.stderr,
            flush=True,
        )


def render_notebook(
    book: Path,
    tmp: Path,
    params: dict[str, Any],
    meta: dict[str, str],
    secrets: list[str],
    timeout: int,
) -> NotebookResult:
    """Execute one notebook with Papermill and write its HTML page (or a failure page)."""
    import papermill as pm

    title, question = describe(book)
    out_nb = tmp / f"{book.stem}.ipynb"
    t = time.perf_counter()
    error = ""
    try:
        pm.execute_notebook(
            str(book),
            str(out_nb),
            parameters=params,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            cwd=str(book.parent),
            execution_timeout=timeout,
        )
        status = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure becomes a failed report, never a crash
        status = "failed"
        error = _error_summary(exc)
        log = mask(
            f"{book.stem} failed\n\n{_plain(traceback.format_exc())}\n{_plain(str(exc))}\n", secrets
        )
        (tmp / "logs" / f"{book.stem}.log").write_text(log, encoding="utf-8")
    duration = time.perf_counter() - t
    if status == "ok":
        try:
            page = notebook_html(out_nb, title, meta)
        except Exception as exc:  # noqa: BLE001
            status, error = "failed", f"could not convert to HTML: {type(exc).__name__}"
            (tmp / "logs" / f"{book.stem}.log").write_text(
                mask(traceback.format_exc(), secrets), encoding="utf-8"
            )
    if status != "ok":
        page = failure_html(book.stem, title, error, meta)
    (tmp / f"{book.stem}.html").write_text(mask(page, secrets), encoding="utf-8")
    return NotebookResult(book.stem, title, question, status, duration, mask(error, secrets))


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _plain(text: str) -> str:
    return _ANSI.sub("", text)


def _error_summary(exc: BaseException) -> str:
    """One line a manager can act on: the error's type and message, no traceback."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = _plain(str(getattr(exc, "evalue", "") or "")).strip()
    if not evalue:
        evalue = _plain(str(exc)).strip().splitlines()[0] if str(exc).strip() else ""
    first = evalue.splitlines()[0] if evalue else ""
    return f"{ename}: {first}"[:400]


def notebook_html(path: Path, title: str, meta: dict[str, str]) -> str:
    """Convert an executed notebook to a self-contained page: no code, no prompts, no stderr."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = ("injected-parameters", "parameters", "remove")
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    exporter = HTMLExporter(config=c, template_name="basic")
    body, _ = exporter.from_notebook_node(nb)
    return _page(title, body, meta)


def failure_html(name: str, title: str, error: str, meta: dict[str, str]) -> str:
    """A readable page for a report that failed: what failed and what to do."""
    body = (
        f"<h1>{html.escape(title)}</h1>"
        '<div class="failure"><p><b>This report could not be produced for this quarter.</b></p>'
        f"<p>What failed: <code>{html.escape(error)}</code></p>"
        "<p>What to do: an analyst can read the details in "
        f"<code>logs/{html.escape(name)}.log</code> beside this page, fix the data or the parameter it names, "
        f"and render this report again with <code>salesops report --only {html.escape(name)}</code>. "
        "The other reports of this quarter are complete.</p></div>"
    )
    return _page(title, body, meta)


def _page(title: str, body: str, meta: dict[str, str]) -> str:
    css = (Path(__file__).parents[1] / "render" / "templates" / "style.css").read_text(
        encoding="utf-8"
    )
    return _ENV.get_template("page.html").render(
        title=title,
        body=body,
        css=css,
        quarter=meta["quarter"],
        as_of=meta["as_of"],
        rendered=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=meta["version"],
        fingerprint=meta["fingerprint"],
    )


def headline_figures(data: SalesData, quarter: str, as_of: pd.Timestamp) -> dict[str, Any]:
    """Headline tiles for the index: bookings, attainment, win rate, open pipeline."""
    from salesops_lib.analysis.kpis import kpi_table

    total = kpi_table(data, quarter=quarter, as_of=as_of, by=None).iloc[0]
    items = [
        {
            "label": "Bookings",
            "value": money(total["bookings"], data.currency),
            "detail": f"{int(total['won']):,} deals won",
        },
    ]
    if pd.notna(total["quota"]):
        items.append(
            {
                "label": "Attainment",
                "value": pct(total["attainment"]),
                "detail": f"of {money(total['quota'], data.currency)} quota",
            }
        )
    items.append(
        {
            "label": "Win rate",
            "value": pct(total["win_rate"]),
            "detail": f"{int(total['won']):,} won of {int(total['won'] + total['lost']):,} closed",
        }
    )
    items.append(
        {
            "label": "Open pipeline",
            "value": money(total["open_pipeline"], data.currency),
            "detail": f"coverage {ratio(total['coverage'])}"
            if pd.notna(total["coverage"])
            else "closing this quarter",
        }
    )
    raw = {k: (None if pd.isna(v) else float(v)) for k, v in total.items()}
    return {"items": items, "raw": raw}


def _write_index(
    tmp: Path,
    data: SalesData,
    quarter: str,
    as_of: pd.Timestamp,
    results: list[NotebookResult],
    headline: dict[str, Any],
    meta: dict[str, str],
) -> None:
    css = (Path(__file__).parents[1] / "render" / "templates" / "style.css").read_text(
        encoding="utf-8"
    )
    _, end = data.calendar.bounds(quarter)
    cards = [
        {
            "title": r.title,
            "question": r.question,
            "status": "failed" if r.status != "ok" else ("kept" if r.kept else "ok"),
            "status_text": "Failed"
            if r.status != "ok"
            else ("Kept from the last run" if r.kept else "Ready"),
            "html": r.html,
            "duration": r.duration,
            "error": r.error,
        }
        for r in results
    ]
    text = _ENV.get_template("index.html").render(
        css=css,
        quarter=quarter,
        as_of=str(as_of.date()),
        running=as_of < end,
        source=data.source,
        headline=headline["items"],
        reports=cards,
        failed=sum(r.status != "ok" for r in results),
        rendered=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=meta["version"],
        fingerprint=meta["fingerprint"],
    )
    (tmp / "index.html").write_text(text, encoding="utf-8")


def _carry_over(final: Path, tmp: Path, rendered: set[str]) -> list[NotebookResult]:
    """With ``--only``: copy the previous run's other reports into the new folder."""
    manifest = final / "manifest.json"
    if not manifest.is_file():
        return []
    previous = json.loads(manifest.read_text(encoding="utf-8"))
    kept = []
    for r in previous.get("reports", []):
        if r["name"] in rendered:
            continue
        for src in final.glob(
            f"{r['name']}*"
        ):  # the page, the notebook and files handed out beside it
            if src.is_file():
                shutil.copy2(src, tmp / src.name)
        log = final / "logs" / f"{r['name']}.log"
        if log.is_file():
            shutil.copy2(log, tmp / "logs" / log.name)
        kept.append(
            NotebookResult(
                r["name"],
                r.get("title", r["name"]),
                "",
                r["status"],
                0.0,
                r.get("error", ""),
                kept=True,
            )
        )
    return kept


def _scrub(folder: Path, secrets: list[str]) -> None:
    """Mask any secret that reached an output file (defence in depth)."""
    if not secrets:
        return
    for p in folder.rglob("*"):
        if p.is_file() and p.suffix in (".ipynb", ".html", ".json", ".log"):
            text = p.read_text(encoding="utf-8", errors="replace")
            masked = mask(text, secrets)
            if masked != text:
                p.write_text(masked, encoding="utf-8")


def _publish(tmp: Path, final: Path, *, ok: bool) -> Path:
    """Swap the rendered folder into place; never replace a complete run with a failed one."""
    previous_complete = False
    manifest = final / "manifest.json"
    if manifest.is_file():
        try:
            previous_complete = (
                json.loads(manifest.read_text(encoding="utf-8")).get("status") == "complete"
            )
        except (OSError, ValueError):
            previous_complete = False
    if not ok and previous_complete:
        target = final.with_name(final.name + ".failed")
    else:
        target = final
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(target)
    return target
