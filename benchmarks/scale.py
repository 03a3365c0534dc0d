"""The whole quarterly run on the large demo company against the small one.

Runs ``salesops report`` on the small demo (CSV) and on the large demo (Parquet, about
2,000 reps, 2 million deals, 20 million snapshot rows), each for the same quarter, and
samples the resident memory of every process of the run (the CLI, its worker processes
and each notebook's kernel, named by its report) twice a second. Prints both times, their ratio (goal: at most
4×) and the largest resident set of any one process (goal: under 4 GB).

    python benchmarks/scale.py [--quarter 2026Q3] [--only 01 03]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
from _common import PY, ROOT, large_demo

BIN = Path(PY).parent


def _name(p: psutil.Process) -> str:
    """The report a kernel runs (the run names it in its environment), else the command."""
    try:
        report = p.environ().get("SALESOPS_REPORT")
        if report and "ipykernel" in " ".join(p.cmdline()):
            return f"kernel of {report}"
        return " ".join(p.cmdline()[:4])
    except psutil.Error:
        return "?"


def timed_run(
    data: Path, quarter: str, out: Path, only: list[str] | None
) -> tuple[float, dict[str, int]]:
    """Seconds, and the peak RSS (bytes) of each process of the run by what it runs."""
    cmd = [
        str(BIN / "salesops"),
        "report",
        "--data",
        str(data),
        "--quarter",
        quarter,
        "--out",
        str(out),
        "--quiet",
    ]
    if (data / "salesops.toml").is_file():
        cmd += ["--config", str(data / "salesops.toml")]
    if only:
        cmd += ["--only", *only]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    root = psutil.Process(proc.pid)
    names: dict[int, str] = {}
    peaks: dict[str, int] = {}
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for p in procs:
            try:
                rss = p.memory_info().rss
            except psutil.Error:
                continue
            who = names.setdefault(p.pid, _name(p))
            peaks[who] = max(peaks.get(who, 0), rss)
        time.sleep(0.5)
    elapsed = time.perf_counter() - t
    output = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"run failed ({proc.returncode}):\n{output[-3000:]}")
    return elapsed, peaks


def _peaks(label: str, seconds: float, peaks: dict[str, int]) -> int:
    """Print a run's time and its processes' peaks, largest first; return the largest."""
    ranked = sorted(peaks.items(), key=lambda kv: -kv[1])
    top = ranked[0] if ranked else ("?", 0)
    print(f"{label}: {seconds:7.1f} s, largest process {top[1] / 2**30:5.2f} GB ({top[0]})")
    for who, rss in ranked[:9]:
        print(f"    {rss / 2**30:5.2f} GB  {who}")
    print(flush=True)
    return top[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quarter", default="2026Q3")
    ap.add_argument("--only", nargs="+", default=None)
    args = ap.parse_args()
    small = ROOT / "data" / "demo"
    if not (small / "opportunities.csv").is_file():
        subprocess.run([BIN / "salesops", "demo-data", str(small)], check=True)
    large = large_demo("parquet")
    out = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    ts, ps = timed_run(small, args.quarter, out / "small", args.only)
    _peaks("small demo", ts, ps)
    tl, pl = timed_run(large, args.quarter, out / "large", args.only)
    ml = _peaks("large demo", tl, pl)
    print(
        f"large / small: {tl / ts:.2f}x (goal: at most 4x); largest process {ml / 2**30:.2f} GB (goal: under 4 GB)"
    )
    print(f"reports in {out}")


if __name__ == "__main__":
    main()
