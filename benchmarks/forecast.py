"""Backtest time and accuracy on the demo companies (small, and large with --large).

python benchmarks/forecast.py [--large] [--quarters 8]

The backtest runs ``--quarters`` quarters plus :data:`MIN_BACKTEST_QUARTERS` before them, so
that each of the ``--quarters`` latest (the scored quarters) has a pick of the rule from the
quarters before it alone and a range from that method's errors there.
For each week (0, 4, 8) it prints the backtest's time, then one table row: the nested
(out-of-sample) recommendation's WAPE over the scored quarters, the truth folder's
expected bookings scored on the same quarters (the generator's own expected value: the
noise no forecast can remove) and on all quarters tested, their ratio, the best yardstick
on the same quarters, and how often the 80% / 95% ranges held the actual: the nested picks'
(each quarter's range from the picked method's errors in the quarters before it; ``calibrated``:
the share of those ranges made from :data:`CALIBRATED_ERRORS` errors or more) and the
whole-backtest recommendation's over the scored quarters (ranges from earlier quarters too).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import ROOT, large_demo

from salesops_lib import load_dataset
from salesops_lib.analysis import forecast as fc


def _wape(forecast: pd.Series, actual: pd.Series) -> float:
    return float((forecast - actual).abs().sum() / actual.sum())


def table_row(bt: pd.DataFrame, truth: pd.Series | None, scored: int) -> dict[str, object]:
    """The accuracy figures of one backtest (one week), over its ``scored`` latest quarters."""
    last = sorted(bt["quarter"].unique())[-scored:]
    nested = bt.attrs["nested"]
    nested = nested[nested["quarter"].isin(last)]
    qs = nested["quarter"].tolist()
    actual = bt.groupby("quarter")["actual"].first().reindex(last)
    same = bt[bt["quarter"].isin(qs)]
    yard = {
        m: _wape(g["forecast"], g["actual"])
        for m, g in same.groupby("method")
        if m in fc.BASELINES and len(g) == len(qs)
    }
    best = min(yard, key=yard.__getitem__) if yard else None
    rec = bt.attrs["recommended"]
    mine = bt[(bt["method"] == rec) & bt["quarter"].isin(last)]
    row: dict[str, object] = {
        "week": bt.attrs["week"],
        "nested_q": len(qs),
        "nested_wape": _wape(nested["forecast"], nested["actual"]) if len(qs) else np.nan,
        "truth_same": np.nan,
        "truth_all": np.nan,
        "ratio": np.nan,
        "best_yardstick": best,
        "yardstick_wape": yard.get(best, np.nan) if best else np.nan,
        "nested_cov80": nested["covered80"].mean(),
        "nested_cov95": nested["covered95"].mean(),
        "calibrated": (nested["range_errors"] >= fc.CALIBRATED_ERRORS).mean(),
        "recommended": rec,
        "rec_cov80": mine["covered80"].mean(),
        "rec_cov95": mine["covered95"].mean(),
        "picks": ",".join(nested["method"]),
    }
    if truth is not None and len(qs):
        row["truth_same"] = _wape(truth.reindex(qs), actual.reindex(qs))
        row["truth_all"] = _wape(truth.reindex(last), actual)
        row["ratio"] = row["nested_wape"] / row["truth_same"]  # type: ignore[operator]
    return row


def run(folder: Path, label: str, quarters: int) -> None:
    t = time.perf_counter()
    data = load_dataset(folder, config=folder / "salesops.toml")
    load_s = time.perf_counter() - t
    path = folder / "truth" / "expected_bookings.csv"
    truth = pd.read_csv(path).set_index("quarter")["expected_bookings"] if path.is_file() else None
    rows = []
    for week in (0, 4, 8):
        t = time.perf_counter()
        bt = fc.backtest(data, quarters=quarters + fc.MIN_BACKTEST_QUARTERS, week=week)
        secs = time.perf_counter() - t
        print(
            f"{label}: load {load_s:.1f} s; backtest week {week}: {secs:.1f} s for "
            f"{bt['quarter'].nunique()} quarters x {bt['method'].nunique()} methods",
            flush=True,
        )
        rows.append(table_row(bt, truth, quarters))
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(pd.DataFrame(rows).round(4).to_string(index=False))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--large", action="store_true")
    ap.add_argument("--quarters", type=int, default=8)
    args = ap.parse_args()
    t = time.perf_counter()
    run(ROOT / "data" / "demo", "small", args.quarters)
    print(f"small: {time.perf_counter() - t:.0f} s in all", flush=True)
    if args.large:
        t = time.perf_counter()
        run(large_demo("parquet"), "large", args.quarters)
        print(f"large: {time.perf_counter() - t:.0f} s in all", flush=True)


if __name__ == "__main__":
    main()
