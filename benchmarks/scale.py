"""The whole quarterly run on the large demo company against the small one.

Runs ``salesops report`` on the small demo (CSV) and on the large demo (Parquet, about
2,000 reps, 2 million deals, 20 million snapshot rows), each for the same quarter, and
samples the resident memory of every process of the run (the CLI, its worker processes
and each notebook's kernel) twice a second. Prints both times, their ratio (goal: at most
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


def timed_run(
    data: Path, quarter: str, out: Path, only: list[str] | None
) -> tuple[float, int, str]:
    """Seconds, peak RSS (bytes) of any single process, and that process's command."""
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
    peak, who = 0, ""
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for p in procs:
            try:
                rss = p.memory_info().rss
                if rss > peak:
                    peak, who = rss, " ".join(p.cmdline()[:4])
            except psutil.Error:
                pass
        time.sleep(0.5)
    elapsed = time.perf_counter() - t
    output = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"run failed ({proc.returncode}):\n{output[-3000:]}")
    return elapsed, peak, who


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
    ts, ms, ws = timed_run(small, args.quarter, out / "small", args.only)
    print(f"small demo: {ts:7.1f} s, largest process {ms / 2**30:5.2f} GB ({ws})", flush=True)
    tl, ml, wl = timed_run(large, args.quarter, out / "large", args.only)
    print(f"large demo: {tl:7.1f} s, largest process {ml / 2**30:5.2f} GB ({wl})")
    print(
        f"large / small: {tl / ts:.2f}x (goal: at most 4x); largest process {ml / 2**30:.2f} GB (goal: under 4 GB)"
    )
    print(f"reports in {out}")


if __name__ == "__main__":
    main()
