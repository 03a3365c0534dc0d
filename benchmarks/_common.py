"""Helpers shared by the benchmark scripts: make the large demo data, time a child process."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def large_demo(fmt: str) -> Path:
    """The large demo company in ``fmt``, generated once into data/demo-large/<fmt>."""
    out = ROOT / "data" / "demo-large" / fmt
    if not (out / f"opportunities.{fmt}").is_file():
        print(f"generating the large demo company ({fmt}) in {out} ...", flush=True)
        subprocess.run(
            [
                PY,
                "-m",
                "salesops_lib.run.cli",
                "demo-data",
                str(out),
                "--size",
                "large",
                "--format",
                fmt,
            ],
            check=True,
        )
    return out


def timed_child(code: str) -> dict:
    """Run Python ``code`` in a fresh process; it prints a JSON dict. Adds wall time and peak RSS."""
    t = time.perf_counter()
    code += "\nimport resource as _r, sys as _s\nprint(_r.getrusage(_r.RUSAGE_SELF).ru_maxrss, file=_s.stderr)\n"
    res = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - t
    out["peak_rss_mb"] = int(res.stderr.strip().splitlines()[-1]) / 1024
    return out
