"""The quarterly run against Papermill's CLI plus `jupyter nbconvert`, notebook by notebook.

Same notebooks, same demo data and parameters. The baseline runs, for each notebook,
`papermill NB OUT -p ...` then `jupyter nbconvert --to html --no-input OUT`, one after the
other, as a team would script it by hand. Prints both times and the ratio (goal: at most 0.5x).

    python benchmarks/report.py [--large]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from _common import PY, ROOT, large_demo

BIN = Path(PY).parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--large", action="store_true", help="also time the run on the large company")
    args = ap.parse_args()
    demo = ROOT / "data" / "demo"
    if not (demo / "opportunities.csv").is_file():
        subprocess.run([BIN / "salesops", "demo-data", str(demo)], check=True)
    books = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    out = Path(tempfile.mkdtemp(prefix="bench-report-"))

    t = time.perf_counter()
    subprocess.run(
        [
            BIN / "salesops",
            "report",
            "--data",
            str(demo),
            "--config",
            str(demo / "salesops.toml"),
            "--out",
            str(out / "ours"),
            "--quiet",
        ],
        check=True,
        capture_output=True,
    )
    ours = time.perf_counter() - t

    t = time.perf_counter()
    for nb in books:
        target = out / "baseline" / nb.name
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                BIN / "papermill",
                str(nb),
                str(target),
                "-p",
                "data",
                str(demo),
                "-p",
                "config",
                str(demo / "salesops.toml"),
                "--cwd",
                str(nb.parent),
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", str(target)],
            check=True,
            capture_output=True,
        )
    baseline = time.perf_counter() - t
    print(f"notebooks: {len(books)} on the small demo company")
    print(f"salesops report:                       {ours:7.1f} s")
    print(f"papermill CLI + jupyter nbconvert:     {baseline:7.1f} s")
    print(f"ratio: {ours / baseline:.2f}x (goal at most 0.5x)")
    if args.large:
        big = large_demo("parquet")
        t = time.perf_counter()
        subprocess.run(
            [
                BIN / "salesops",
                "report",
                "--data",
                str(big),
                "--config",
                str(big / "salesops.toml"),
                "--out",
                str(out / "large"),
                "--quiet",
            ],
            check=True,
            capture_output=True,
        )
        print(
            f"salesops report on the large company:  {time.perf_counter() - t:7.1f} s ({(time.perf_counter() - t) / ours:.1f}x the small)"
        )
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
