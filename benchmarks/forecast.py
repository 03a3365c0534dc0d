"""Backtest time on the demo companies (small, and large with --large).

python benchmarks/forecast.py [--large]
"""

from __future__ import annotations

import argparse
import time

from _common import ROOT, large_demo

from salesops_lib import load_dataset
from salesops_lib.analysis import forecast as fc


def run(folder, label: str) -> None:
    t = time.perf_counter()
    data = load_dataset(folder, config=folder / "salesops.toml")
    load_s = time.perf_counter() - t
    for week in (0, 4, 8):
        t = time.perf_counter()
        bt = fc.backtest(data, quarters=8, week=week)
        secs = time.perf_counter() - t
        acc = fc.accuracy(bt)
        rec = bt.attrs["recommended"] or acc.index[0]
        nested = bt.attrs["nested"]
        held = nested["covered80"].mean() if len(nested) else float("nan")
        print(
            f"{label}: load {load_s:.1f} s; backtest week {week}: {secs:.1f} s for {bt['quarter'].nunique()} quarters x "
            f"{bt['method'].nunique()} methods; recommended {rec} WAPE {acc.loc[rec, 'wape']:.1%}, "
            f"80% held {acc.loc[rec, 'coverage80']:.0%}; out of sample (nested, {len(nested)} "
            f"quarters) WAPE {bt.attrs['nested_wape']:.1%}, 80% held {held:.0%}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--large", action="store_true")
    args = ap.parse_args()
    run(ROOT / "data" / "demo", "small")
    if args.large:
        run(large_demo("parquet"), "large")


if __name__ == "__main__":
    main()
