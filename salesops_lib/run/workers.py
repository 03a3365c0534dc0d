"""Running the notebooks in worker processes, quietly, with a progress bar.

Each notebook runs in a worker process of a ``ProcessPoolExecutor``; Papermill starts its
kernel as the worker's child. Workers ignore SIGINT (Ctrl-C reaches the whole terminal
group; the run handles it and stops them) and watch their parent, so they and their kernels
exit within a second or so of a run killed with SIGKILL (:func:`~salesops_lib.run.stop.watch_parent`).

Everything a worker or its kernel writes to stdout or stderr (the kernel's "running over TCP
without encryption" warning, Papermill's log, a kernel's own traceback) goes to
``logs/<name>.kernel.log`` in the run's folder, not to the console; known noise is dropped
from it and an empty log removed. The console shows only the progress bar and the result.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from tqdm import tqdm

from salesops_lib.render import QUIET_ENV
from salesops_lib.run.notebook import longest_first, render_notebook
from salesops_lib.run.results import NotebookResult
from salesops_lib.run.stop import ProcessTree, StopSignals, watch_parent
from salesops_lib.run.teams import TEAMS_FOLDER, is_team_report

KERNEL_NOISE = (
    "Kernel is running over TCP without encryption",  # every kernel, at start
    "KeyboardInterrupt caught in kernel",  # jupyter_client interrupts a kernel to shut it down
)
"""Lines of a kernel's log that say nothing about the report."""


def render_all(
    books: list[Path],
    tmp: Path,
    params: dict[str, Any],
    meta: dict[str, str],
    secrets: list[str],
    *,
    jobs: int | None,
    progress: bool,
    timeout: int,
    stop: StopSignals | None = None,
    teams: dict[str, str] | None = None,
) -> list[NotebookResult]:
    """Render every notebook in worker processes, ``jobs`` at a time.

    With ``teams``, the team-facing notebooks are also rendered once per team, into
    ``tmp/teams/<folder>/``, after the company's reports and in the same pool: each reads
    the same snapshot with the ``team`` parameter set.

    Parameters
    ----------
    books
        The notebooks.
    tmp
        The rendering folder (with ``logs/``).
    params, meta, secrets, timeout
        As :func:`~salesops_lib.run.notebook.render_notebook` takes them.
    jobs
        Notebooks at once (default: the number of cores).
    progress
        Show a progress bar on stderr.
    stop
        The run's stop signals: killing the workers is not cut short by a second signal.
    teams
        Team name to folder name (:func:`~salesops_lib.run.teams.team_folders`); None or
        empty: the company's reports only.

    Returns
    -------
    list of NotebookResult
        In the order they finished; a team page's result names its ``team``.

    Raises
    ------
    BaseException
        Whatever stopped the run (``RunStopped``, a disk error from a worker); every worker
        and kernel is killed first.
    """
    work = [(b, Path(tmp), params, meta) for b in longest_first(books, Path(tmp).parent)]
    work += team_work(work, teams or {}, Path(tmp))
    jobs = max(1, min(int(jobs or os.cpu_count() or 1), len(work)))
    if jobs > 1:  # notebooks run side by side: one math thread each, or they fight over the cores
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
    results: list[NotebookResult] = []
    tree = ProcessTree()
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_start, initargs=(os.getpid(),))
    bar = tqdm(
        total=len(work),
        desc=meta.get("quarter", ""),
        bar_format="{desc} {bar:24} {n_fmt}/{total_fmt} reports [{elapsed}]",
        disable=not progress,
        file=sys.stderr,
    )
    try:
        futures: list[Future[NotebookResult]] = [
            pool.submit(_render_quietly, b, folder, p, m, secrets, timeout)
            for b, folder, p, m in work
        ]
        for f in as_completed(futures):
            r = f.result()
            results.append(r)
            if progress:
                mark = "ok" if r.status == "ok" else "FAILED"
                who = f" for team {r.team}" if r.team else ""
                bar.write(f"{r.name}{who} {mark} ({r.duration:.1f} s)", file=sys.stderr)
            bar.update()
    except BaseException:
        with stop.deferred() if stop else contextlib.nullcontext():
            tree.kill()
        raise
    finally:
        bar.close()
        pool.shutdown(wait=True, cancel_futures=True)
    return results


Work = tuple[Path, Path, dict[str, Any], dict[str, str]]
"""One notebook to render: the notebook, its folder, its parameters, its page's meta."""


def team_work(company: list[Work], teams: dict[str, str], tmp: Path) -> list[Work]:
    """The team pages to render: each team-facing notebook once per team.

    Parameters
    ----------
    company
        The company's work, in the order it starts (the team pages follow that order,
        a notebook for every team before the next notebook).
    teams
        Team name to folder name.
    tmp
        The rendering folder; each team's folder (with ``logs/``) is made under ``teams/``.

    Returns
    -------
    list
        ``(notebook, folder, parameters, meta)`` per page; empty without teams.
    """
    out: list[Work] = []
    later: list[Work] = []  # team pages that read the company's page's results start last
    for slug in teams.values():
        (tmp / TEAMS_FOLDER / slug / "logs").mkdir(parents=True, exist_ok=True)
    for book, _, params, meta in company:
        if not is_team_report(book.stem):
            continue
        for name, slug in teams.items():
            folder = tmp / TEAMS_FOLDER / slug
            p = {**params, "team": name, "output_dir": str(folder.resolve())}
            (later if reads_company(book) else out).append(
                (book, folder, p, {**meta, "team": name})
            )
    return out + later


def reads_company(book: Path) -> bool:
    """Whether a notebook's team pages read what its company page works out.

    Its metadata says ``team_reads_shared_results`` (report 03: a team's forecast is its row
    of the company's, read through the snapshot's shared results), so its team pages start
    after the other team pages, by which time the company's page has written them; a team
    page that starts earlier works them out itself (same result, more time).

    Parameters
    ----------
    book
        The notebook.

    Returns
    -------
    bool
    """
    try:
        about = json.loads(book.read_text(encoding="utf-8")).get("metadata", {})
        return bool(dict(about.get("salesops", {})).get("team_reads_shared_results"))
    except (OSError, ValueError, TypeError, AttributeError):
        return False


def _worker_start(main_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(main_pid)


def _render_quietly(
    book: Path,
    tmp: Path,
    params: dict[str, Any],
    meta: dict[str, str],
    secrets: list[str],
    timeout: int,
) -> NotebookResult:
    log = tmp / "logs" / f"{book.stem}.kernel.log"
    os.environ[QUIET_ENV] = "1"  # this worker's kernels keep warnings and logs out of the report
    try:
        with output_to(log):
            return render_notebook(book, tmp, params, meta, secrets, timeout)
    finally:
        _tidy(log)


@contextlib.contextmanager
def output_to(path: Path) -> Iterator[None]:
    """Send this process's stdout and stderr, and those of the processes it starts, to a file.

    Works on the file descriptors, so a kernel Papermill starts meanwhile inherits them.

    Parameters
    ----------
    path
        The log file (appended to).

    Yields
    ------
    None
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for d in (fd, *saved):
            os.close(d)


def _tidy(log: Path) -> None:
    """Drop known noise from a kernel's log; remove the log when nothing is left."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        kept = [line for line in lines if not any(n in line for n in KERNEL_NOISE)]
        if "".join(kept).strip():
            if len(kept) != len(lines):
                log.write_text("".join(kept), encoding="utf-8")
        else:
            log.unlink()
    except OSError:
        pass
