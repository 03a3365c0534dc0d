"""The index's quarter archive: earlier complete runs, their figures and the trend chart."""

from __future__ import annotations

import json
from pathlib import Path

from salesops_lib.run.index import archive_view, earlier_runs


def _run(out: Path, folder: str, quarter: str, status: str = "complete", **head: float) -> None:
    (out / folder).mkdir(parents=True)
    manifest = {"quarter": quarter, "as_of": f"{quarter[:4]}-x", "status": status, "headline": head}
    (out / folder / "manifest.json").write_text(json.dumps(manifest))


def test_earlier_runs_are_the_complete_other_quarters(tmp_path):
    _run(tmp_path, "2026Q1", "2026Q1", bookings=2.0e6, attainment=0.8, win_rate=0.25)
    _run(tmp_path, "2025Q4", "2025Q4", bookings=1.5e6, attainment=None, win_rate=0.2)
    _run(tmp_path, "2026Q2.failed", "2026Q2", status="failed", bookings=9e6)
    _run(tmp_path, "2026Q2", "2026Q2", status="failed", bookings=9e6)
    _run(tmp_path, ".2026Q3.rendering-1-2", "2026Q3", bookings=9e6)
    _run(tmp_path, "2026Q3", "2026Q3", bookings=3e6)  # the quarter being rendered
    (tmp_path / "notes").mkdir()
    found = earlier_runs(tmp_path, "2026Q3")
    assert [r["quarter"] for r in found] == ["2025Q4", "2026Q1"]
    assert found[0]["attainment"] is None and found[1]["bookings"] == 2.0e6
    assert found[1]["href"] == "../2026Q1/index.html"


def test_archive_rows_and_trend_include_this_quarter(tmp_path):
    _run(tmp_path, "2026Q1", "2026Q1", bookings=2.0e6, attainment=0.8, win_rate=0.25)
    _run(tmp_path, "2026Q2", "2026Q2", bookings=2.5e6, attainment=None, win_rate=0.3)
    view = archive_view(
        earlier_runs(tmp_path, "2026Q3"),
        "2026Q3",
        {"bookings": 3.1e6, "attainment": 1.02, "win_rate": 0.27},
        "USD",
    )
    rows = [
        (r["quarter"], r["bookings_text"], r["attainment_text"], r["win_rate_text"])
        for r in view["rows"]
    ]
    assert rows == [("2026Q1", "$2.0M", "80%", "25%"), ("2026Q2", "$2.5M", "no quota", "30%")]
    svg = view["chart"]
    assert svg.startswith("<svg") and svg.count("<rect") == 2 + 3  # legend + one bar per quarter
    for text in ("2026Q1", "2026Q3", "$3.1M", "102%", "80%"):
        assert f">{text}<" in svg
    assert svg.count("<circle") == 2  # no attainment point for the quarter without quota


def test_no_earlier_run_no_chart(tmp_path):
    assert archive_view([], "2026Q3", {}, "USD") == {"rows": [], "chart": ""}
