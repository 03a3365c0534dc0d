"""The unattended quarterly run survives being stopped (SIGTERM, SIGINT, SIGKILL), a second
run into the same folder, an unwritable folder, a full disk and a damaged snapshot: the last
good reports stay byte-identical, no process of the run outlives it, nothing is left over."""

from __future__ import annotations

import errno
import hashlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from salesops_lib.errors import ReportError
from salesops_lib.run.lock import ReportsBusyError, reports_lock
from salesops_lib.run.publish import clean_leftovers
from salesops_lib.run.runner import run_quarter
from salesops_lib.run.stop import running

from .conftest import ROOT, run_cli

pytestmark = pytest.mark.xdist_group("runner_stop")
FAST = ("01", "07")  # the two quickest reports keep each real run short
FASTEST = ("07",)
forked = pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="patches reach workers through fork"
)


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def last_good(out: Path) -> dict[str, str]:
    """A published, complete quarter in ``out``; returns its digest."""
    q = out / "2026Q3"
    (q / "logs").mkdir(parents=True)
    for name in ("01_team_visibility", "07_crm_data_quality"):
        (q / f"{name}.html").write_text(f"<p>last quarter's good {name}</p>")
    (q / "index.html").write_text("<p>the last good index</p>")
    reports = [
        {"name": n, "title": n, "status": "ok", "duration_seconds": 1.0, "error": ""}
        for n in ("01_team_visibility", "07_crm_data_quality")
    ]
    (q / "manifest.json").write_text(json.dumps({"status": "complete", "reports": reports}))
    return tree_digest(q)


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.glob(".*") if p.is_dir())


class Run:
    """``salesops report`` in a subprocess, its stderr read as it comes."""

    def __init__(self, demo_dir: Path, out: Path, *args: str, pause: str = "", quiet=True):
        cmd = [sys.executable, "-m", "salesops_lib.run.cli", "report", "--data", str(demo_dir)]
        cmd += ["--config", str(demo_dir / "salesops.toml"), "--out", str(out), "--jobs", "2"]
        cmd += [*args, *(["--quiet"] if quiet else [])]
        env = {**os.environ, "SALESOPS_TEST_PAUSE": pause, "SALESOPS_TEST_PAUSE_SECONDS": "60"}
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, as under a scheduler
        )
        self.lines: list[str] = []
        self.seen: dict[int, psutil.Process] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def descendants(self) -> list[psutil.Process]:
        """Every process of the run so far (workers, kernels), remembered once seen."""
        try:
            for p in psutil.Process(self.proc.pid).children(recursive=True):
                self.seen.setdefault(p.pid, p)
        except psutil.NoSuchProcess:
            pass
        return list(self.seen.values())

    def wait_until(self, what: str, timeout: float = 90) -> None:
        """Until the run prints ``what`` (a pause point) or, for "kernels", runs a kernel."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            assert self.proc.poll() is None, f"run ended early:\n{self.stderr}"
            procs = self.descendants()
            if what == "kernels":
                if any(_is_kernel(p) for p in procs):
                    time.sleep(0.5)  # the kernels are starting or executing cells
                    self.descendants()
                    return
            elif f"paused at {what}" in self.stderr:
                return
            time.sleep(0.1)
        raise AssertionError(f"never reached {what}:\n{self.stderr}")

    def stop(self, sig: int, *, group: bool = False) -> float:
        """Send ``sig`` (to the run's process group: ``group``); seconds until the run and
        every process it started are gone."""
        procs = self.descendants()
        t = time.monotonic()
        if group:
            os.killpg(self.proc.pid, sig)
        else:
            self.proc.send_signal(sig)
        self.proc.wait(timeout=60)
        end = time.monotonic() + 15
        while (alive := [p for p in procs if running(p)]) and time.monotonic() < end:
            time.sleep(0.02)  # a zombie awaiting the init's reaping runs nothing: gone
        assert not alive, f"still running after {sig!r}: {alive}"
        return time.monotonic() - t


def _is_kernel(p: psutil.Process) -> bool:
    try:
        return any("ipykernel" in part for part in p.cmdline())
    except psutil.Error:
        return False


STOPS = [
    (signal.SIGTERM, "snapshot", False),  # before the data is frozen
    (signal.SIGTERM, "kernels", False),  # while notebooks run
    (signal.SIGTERM, "publish", False),  # everything written, before the swap
    (signal.SIGINT, "kernels", True),  # Ctrl-C: the terminal signals the whole group
    (signal.SIGTERM, "kernels", True),  # to the whole process group, as some schedulers do
]
IDS = [f"{s.name}-{p}" + ("-group" if g else "") for s, p, g in STOPS]


@pytest.mark.parametrize(("sig", "point", "group"), STOPS, ids=IDS)
def test_stopped_run_cleans_up_and_publishes_nothing(demo_dir, tmp_path, sig, point, group):
    out = tmp_path / "reports"
    before = last_good(out)
    books = FAST if point == "kernels" else FASTEST
    run = Run(demo_dir, out, "--only", *books, pause="" if point == "kernels" else point)
    run.wait_until(point)
    if point == "kernels":
        assert any(_is_kernel(p) for p in run.seen.values())
    took = run.stop(sig, group=group)
    print(f"{sig.name} at {point}: run and {len(run.seen)} processes gone in {took:.2f} s")
    assert run.proc.returncode == 128 + sig
    stderr = run.stderr.strip()
    assert stderr.splitlines()[-1] == (
        f"stopped by {sig.name}: nothing was published; the reports in {out} are as they were"
    )
    assert "Traceback" not in stderr and "IPKernelApp" not in stderr
    assert tree_digest(out / "2026Q3") == before
    assert leftovers(out) == []
    assert took < 15


def test_killed_run_dies_with_its_processes_and_the_next_run_cleans_up(demo_dir, tmp_path):
    out = tmp_path / "reports"
    before = last_good(out)
    run = Run(demo_dir, out, "--only", *FAST)
    run.wait_until("kernels")
    kernels = [p for p in run.seen.values() if _is_kernel(p)]
    assert kernels
    took = run.stop(signal.SIGKILL)  # nothing of the run can clean up: the workers notice
    print(f"SIGKILL: {len(run.seen)} processes ({len(kernels)} kernels) gone in {took:.2f} s")
    assert took < 10
    assert tree_digest(out / "2026Q3") == before
    assert [n for n in leftovers(out) if ".rendering-" in n], "the killed run's folder"
    # the next run: its lock is free (the lock went with the process), it removes the folder
    # and says so in one line; the console shows the progress and the result only
    nxt = Run(demo_dir, out, "--only", *FASTEST, quiet=False)
    assert nxt.proc.wait(timeout=300) == 0, nxt.stderr
    time.sleep(0.2)
    stderr = nxt.stderr
    assert stderr.count("left by an earlier run that was killed") == 1
    assert "IPKernelApp" not in stderr and "Traceback" not in stderr
    assert "1/1 reports" in stderr and "07_crm_data_quality ok" in stderr
    assert leftovers(out) == []
    assert json.loads((out / "2026Q3" / "manifest.json").read_text())["status"] == "complete"


def test_second_run_into_the_same_folder_refuses_naming_the_first(demo_dir, tmp_path):
    out = tmp_path / "reports"
    before = last_good(out)
    first = Run(demo_dir, out, "--only", *FASTEST, pause="snapshot")
    first.wait_until("snapshot")
    second = run_cli(
        "report", "--data", str(demo_dir), "--out", str(out), "--only", "07", "--quiet"
    )
    assert second.returncode == 2
    line = second.stderr.strip()
    assert line.startswith("error: another quarterly run is writing to"), line
    assert f"(pid {first.proc.pid} on " in line and f"kill {first.proc.pid}" in line
    assert len(line.splitlines()) == 1
    first.stop(signal.SIGTERM)
    assert tree_digest(out / "2026Q3") == before and leftovers(out) == []


def test_lock_is_free_again_after_its_holder_ends(tmp_path):
    with reports_lock(tmp_path):
        pass
    held = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from salesops_lib.run.lock import "
            "reports_lock\nwith reports_lock(Path(sys.argv[1])):\n print('held', flush=True);"
            " time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert held.stdout is not None and held.stdout.readline().strip() == "held"
    with pytest.raises(ReportsBusyError, match=f"pid {held.pid} on"):
        with reports_lock(tmp_path):
            pass
    held.kill()
    held.wait()
    with reports_lock(tmp_path):  # a killed holder's lock does not block
        pass


def test_leftovers_of_a_cut_publish_put_the_last_good_reports_back(tmp_path):
    before = last_good(tmp_path)
    (tmp_path / "2026Q3").rename(tmp_path / ".2026Q3.old-4242")  # killed between the renames
    (tmp_path / ".2026Q3.rendering-4242-1").mkdir()
    lines = clean_leftovers(tmp_path)
    assert lines == [
        "removed 1 folder(s) left by an earlier run that was killed: .2026Q3.rendering-4242-1",
        "put back the last good reports that an interrupted run had set aside: 2026Q3",
    ]
    assert tree_digest(tmp_path / "2026Q3") == before and leftovers(tmp_path) == []
    # a rendering folder whose owner still runs (the lock file was deleted under it) stays
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        live = tmp_path / f".2026Q3.rendering-{owner.pid}-{time.time_ns()}"
        live.mkdir()
        assert clean_leftovers(tmp_path) == [] and live.is_dir()
    finally:
        owner.kill()
        owner.wait()
    assert clean_leftovers(tmp_path) and leftovers(tmp_path) == []


# ---------------------------------------------------------------------------- error cases


def test_output_folder_that_cannot_be_written(demo_dir, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    res = run_cli("report", "--data", str(demo_dir), "--out", str(blocker / "reports"), "--quiet")
    assert res.returncode == 2
    assert res.stderr.strip() == (
        f"error: cannot write to the reports folder {blocker / 'reports'}: Not a directory; "
        "nothing was changed. Choose another folder with --out or make this one writable, "
        "then run again."
    )
    # a folder without write permission (tests run as root, who may write anywhere)
    out = tmp_path / "reports"
    before = last_good(out)
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(ReportError, match="cannot write to the reports folder .*Permission denied"):
        run_quarter(demo_dir, out=out, only=["07"], progress=False)
    assert tree_digest(out / "2026Q3") == before


@forked
def test_disk_full_in_a_worker_stops_the_run(demo_dir, tmp_path, monkeypatch):
    import papermill

    def full(input_path, output_path, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", output_path)

    monkeypatch.setattr(papermill, "execute_notebook", full)
    out = tmp_path / "reports"
    before = last_good(out)
    with pytest.raises(ReportError) as err:
        run_quarter(demo_dir, config=demo_dir / "salesops.toml", out=out, only=list(FAST),
                    jobs=2, progress=False)  # fmt: skip
    assert str(err.value).startswith(
        "could not finish writing the reports: No space left on device ("
    )
    assert f"nothing was published; the last reports in {out / '2026Q3'} are unchanged" in str(
        err.value
    )
    assert tree_digest(out / "2026Q3") == before and leftovers(out) == []


@forked
def test_disk_full_while_writing_the_index(demo_dir, tmp_path, monkeypatch):
    from salesops_lib.run import runner, workers
    from salesops_lib.run.results import NotebookResult

    def rendered(book, tmp, *args):
        (tmp / f"{book.stem}.html").write_text("<p>new</p>")
        return NotebookResult(book.stem, book.stem, "", "ok", 0.1)

    def full(folder, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "index.html"))

    monkeypatch.setattr(workers, "render_notebook", rendered)
    monkeypatch.setattr(runner, "write_index", full)
    out = tmp_path / "reports"
    before = last_good(out)
    with pytest.raises(ReportError, match=r"No space left on device \(index.html\); nothing was"):
        run_quarter(demo_dir, config=demo_dir / "salesops.toml", out=out, only=list(FAST),
                    jobs=2, progress=False)  # fmt: skip
    assert tree_digest(out / "2026Q3") == before and leftovers(out) == []


def test_damaged_snapshot_is_a_clear_error(demo, demo_dir, tmp_path):
    import pandas as pd

    from salesops_lib.data import write_snapshot

    out = tmp_path / "reports"
    before = last_good(out)
    snap = write_snapshot(demo, tmp_path / "snap")
    hist = snap / "history.arrow"
    hist.write_bytes(hist.read_bytes()[: hist.stat().st_size // 2])  # cut short
    res = run_cli("report", "--data", str(snap), "--out", str(out), "--quiet")
    assert res.returncode == 2
    line = res.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert line.startswith(f"error: the snapshot in {snap} is damaged (")
    assert line.endswith(
        f"; run from the data it was frozen from (--data {demo.source}) or freeze it again "
        "with salesops_lib.data.write_snapshot"
    )
    # readable but altered: the fingerprint recorded at freezing tells
    snap = write_snapshot(demo, tmp_path / "snap2")
    opps = pd.read_feather(snap / "opportunities.arrow")
    opps.loc[0, "amount"] += 1000
    opps.to_feather(snap / "opportunities.arrow")
    with pytest.raises(ReportError, match="no longer match the fingerprint recorded"):
        run_quarter(snap, out=out, only=["07"], progress=False)
    (snap / "salesops_snapshot.json").write_text("{not json")
    with pytest.raises(ReportError, match="salesops_snapshot.json cannot be read"):
        run_quarter(snap, out=out, only=["07"], progress=False)
    assert tree_digest(out / "2026Q3") == before and leftovers(out) == []


@forked
def test_worker_killed_by_the_system_is_a_clear_error(demo_dir, tmp_path, monkeypatch):
    from salesops_lib.run import workers

    def oom(*args):
        os.kill(os.getpid(), signal.SIGKILL)  # what the kernel's OOM killer does

    monkeypatch.setattr(workers, "render_notebook", oom)
    out = tmp_path / "reports"
    before = last_good(out)
    with pytest.raises(ReportError, match="worker process ended unexpectedly .*; nothing was"):
        run_quarter(demo_dir, config=demo_dir / "salesops.toml", out=out, only=list(FAST),
                    jobs=2, progress=False)  # fmt: skip
    assert tree_digest(out / "2026Q3") == before and leftovers(out) == []
