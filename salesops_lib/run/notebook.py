"""The report notebooks of a run: which ones, in what order, and rendering one of them."""

from __future__ import annotations

import errno
import json
import os
import re
import time
import traceback
from pathlib import Path
from typing import Any

import nbformat

from salesops_lib.config import mask
from salesops_lib.errors import ReportError
from salesops_lib.render import REPORT_ENV
from salesops_lib.run.manifest import known_durations
from salesops_lib.run.pages import failure_html, notebook_html, report_payload, section_anchors
from salesops_lib.run.results import NotebookResult

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_NOTEBOOKS = PROJECT_ROOT / "notebooks"

DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}

KERNEL_START_FAILURES = ("Kernel died before replying to kernel_info", "Kernel didn't respond")
"""Errors of a kernel that never started: no cell ran, so the notebook is tried again.

Kernels started side by side can pick the same free port (jupyter_client picks ports, closes
them and hands them to the kernel, which may find one taken meanwhile); the kernel then dies
at start."""

KERNEL_START_ATTEMPTS = 3
"""How many times a notebook whose kernel dies at start is run before it counts as failed."""
"""Errors of the output's disk: they stop the run instead of failing one report."""


def list_notebooks(folder: Path = DEFAULT_NOTEBOOKS, only: list[str] | None = None) -> list[Path]:
    """Report notebooks in ``folder`` (``NN_name.ipynb``), optionally those named in ``only``.

    Parameters
    ----------
    folder
        Folder of report notebooks.
    only
        Entries matching the full stem (``01_team_visibility``), its number (``01``) or its
        name (``team_visibility``); None or empty: every notebook.

    Returns
    -------
    list of Path
        In name order (``only``: in the order asked, each once).

    Raises
    ------
    ReportError
        If an ``only`` entry matches no notebook.
    """
    books = sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))
    if not only:
        return books
    chosen: list[Path] = []
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
    """Title (first ``# `` heading) and question (first paragraph) of a notebook.

    Parameters
    ----------
    path
        The notebook.

    Returns
    -------
    tuple of str
        The title (the file's stem when there is no heading) and the question (its whole
        sentences within 420 characters, markdown marks removed; empty when there is none).
    """
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            lines = cell.source.strip().splitlines()
            title = lines[0].lstrip("# ").strip()
            rest = " ".join(line.strip() for line in lines[1:] if line.strip())
            return title, _whole_sentences(re.sub(r"[*_`]", "", rest), 420)
    return path.stem, ""


def _whole_sentences(text: str, limit: int) -> str:
    """The sentences of ``text`` that fit in ``limit`` characters (at least the first one)."""
    if len(text) <= limit:
        return text
    ends = [m.end() for m in re.finditer(r"[.!?](\s|$)", text)]
    fit = [e for e in ends if e <= limit + 1]
    # a first sentence longer than the limit is kept whole: a blurb is never cut mid-sentence
    end = fit[-1] if fit else ends[0] if ends else len(text)
    return text[:end].strip()


def longest_first(books: list[Path], out: Path) -> list[Path]:
    """Notebooks in the order to start them: the longest first.

    So none starts last and leaves the other workers idle while it runs alone. A notebook
    whose metadata says ``reads_shared_results`` starts after all the others, by which time
    the results it shares (:meth:`~salesops_lib.data.SalesData.shared`) are written. A
    notebook's expected time is its duration in the most recent run found in ``out`` (any
    quarter's ``manifest.json``), else the ``salesops.expected_seconds`` of its metadata,
    else 0. Ties keep the name order.

    Parameters
    ----------
    books
        The notebooks to run.
    out
        The reports folder.

    Returns
    -------
    list of Path
        The same notebooks, longest expected first.
    """
    known = known_durations(out)

    def meta(book: Path) -> dict[str, Any]:
        try:
            found = json.loads(book.read_text(encoding="utf-8")).get("metadata", {})
            return dict(found.get("salesops", {}))
        except (OSError, ValueError, TypeError, AttributeError):
            return {}

    def order(book: Path) -> tuple[bool, float]:
        about = meta(book)  # each notebook's metadata read once
        try:
            seconds = known.get(book.stem, float(about.get("expected_seconds", 0.0)))
        except (ValueError, TypeError):
            seconds = known.get(book.stem, 0.0)
        # a notebook that reads what another works out first (05 reads 03's forecast
        # backtest through the snapshot's shared folder) starts after the others
        return bool(about.get("reads_shared_results")), -seconds

    return sorted(books, key=order)


def render_notebook(
    book: Path,
    tmp: Path,
    params: dict[str, Any],
    meta: dict[str, str],
    secrets: list[str],
    timeout: int,
) -> NotebookResult:
    """Execute one notebook with Papermill and write its HTML page (or a failure page).

    Parameters
    ----------
    book
        The report notebook.
    tmp
        The rendering folder (with a ``logs/`` folder).
    params
        Papermill parameters.
    meta
        ``quarter``, ``as_of``, ``version``, ``fingerprint`` for the page's footer.
    secrets
        Strings never to write out.
    timeout
        Seconds one cell may run.

    Returns
    -------
    NotebookResult
        "failed" with a one-line error when the notebook or its conversion failed; the
        traceback is in ``logs/<name>.log``.

    Raises
    ------
    OSError
        When the output's disk is full or read-only: no page can be written, so the run
        stops rather than marking reports failed.
    """
    import papermill as pm

    title, question = describe(book)
    out_nb = tmp / f"{book.stem}.ipynb"
    t = time.perf_counter()
    error = ""
    os.environ[REPORT_ENV] = book.stem  # names the kernel's report, for a look at its memory
    try:
        _execute(pm, book, out_nb, params, timeout)
        status = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure becomes a failed report, never a crash
        if isinstance(exc, OSError) and exc.errno in DISK_ERRORS:
            raise
        status = "failed"
        error = _error_summary(exc)
        log = mask(
            f"{book.stem} failed\n\n{_plain(traceback.format_exc())}\n{_plain(str(exc))}\n", secrets
        )
        (tmp / "logs" / f"{book.stem}.log").write_text(log, encoding="utf-8")
    duration = time.perf_counter() - t
    completeness = "Ready"
    told: dict[str, Any] = {}
    if status == "ok":
        try:
            page = notebook_html(out_nb, title, meta)
            told = report_payload(out_nb)
            completeness = str(told["status"])
        except Exception as exc:  # noqa: BLE001
            status, error = "failed", f"could not convert to HTML: {type(exc).__name__}"
            (tmp / "logs" / f"{book.stem}.log").write_text(
                mask(traceback.format_exc(), secrets), encoding="utf-8"
            )
    if status != "ok":
        page = failure_html(book.stem, title, error, meta)
    (tmp / f"{book.stem}.html").write_text(mask(page, secrets), encoding="utf-8")
    return NotebookResult(
        book.stem,
        title,
        question,
        status,
        duration,
        mask(error, secrets),
        completeness=completeness,
        findings=_anchored(told.get("findings", []), page, secrets) if status == "ok" else [],
        outlook=_with_anchor(told.get("outlook"), page) if status == "ok" else None,
        table=told.get("table") if status == "ok" else None,
        team=str(params.get("team") or ""),
    )


def _with_anchor(outlook: dict[str, Any] | None, page: str) -> dict[str, Any] | None:
    """Report 03's outlook figures with the anchor of their section in the page."""
    if not isinstance(outlook, dict):
        return None
    return {**outlook, "anchor": section_anchors(page).get(str(outlook.get("section")), "")}


def _anchored(
    findings: list[dict[str, Any]], page: str, secrets: list[str]
) -> list[dict[str, Any]]:
    """The findings, each with the anchor of its section in the page ("" when none matches)."""
    anchors = section_anchors(page)
    return [
        {**f, "text": mask(str(f["text"]), secrets), "anchor": anchors.get(str(f["section"]), "")}
        for f in findings
    ]


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _plain(text: str) -> str:
    return _ANSI.sub("", text)


def _execute(pm: Any, book: Path, out_nb: Path, params: dict[str, Any], timeout: int) -> None:
    """Run ``book`` with Papermill into ``out_nb``; again when its kernel dies at start.

    Raises
    ------
    Exception
        Whatever Papermill raised on the last attempt (a cell's error is never retried).
    """
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
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
            return
        except RuntimeError as exc:
            if attempt == KERNEL_START_ATTEMPTS or not str(exc).startswith(KERNEL_START_FAILURES):
                raise
            time.sleep(0.5 * attempt)


def _error_summary(exc: BaseException) -> str:
    """One line a manager can act on: the error's type and message, no traceback."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = _plain(str(getattr(exc, "evalue", "") or "")).strip()
    if not evalue:
        evalue = _plain(str(exc)).strip().splitlines()[0] if str(exc).strip() else ""
    first = evalue.splitlines()[0] if evalue else ""
    return f"{ename}: {first}"[:400]
