"""The quarterly run: complete output, escaping, failures, nothing lost, no secrets."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from salesops_lib.run.runner import list_notebooks, run_quarter

from .conftest import ROOT, run_cli

pytestmark = pytest.mark.xdist_group("render")
NOTEBOOKS = ROOT / "notebooks"


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_complete_run_as_a_manager_receives_it(rendered):
    folder = rendered.folder
    assert folder.name == "2026Q3"
    index = (folder / "index.html").read_text()
    manifest = json.loads((folder / "manifest.json").read_text())
    books = list_notebooks(NOTEBOOKS)
    assert len(rendered.results) == len(books)
    for book in books:
        page = (folder / f"{book.stem}.html").read_text()
        assert f'href="{book.stem}.html"' in index
        assert (
            "Traceback" not in page
            and 'class="jp-InputArea' not in page
            and "highlight hl-" not in page
        )
        assert "application/vnd.jupyter.stderr" not in page
        assert "data:image/png;base64" in page
        assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', page)
        assert "Definitions" in page
        assert "injected-parameters" not in page and "_snapshot" not in page
    assert (
        manifest["status"] == "complete"
        and manifest["library_version"]
        and len(manifest["data_fingerprint"]) == 64
    )
    assert {r["name"] for r in manifest["reports"]} == {b.stem for b in books}
    assert all(r["duration_seconds"] > 0 for r in manifest["reports"])
    assert manifest["started"] <= manifest["finished"]
    assert not list(folder.parent.glob(".*rendering*")), "temporary folder left behind"
    assert not (folder / "_snapshot").exists()


def test_index_headline_matches_kpis(rendered, demo):
    from salesops_lib.analysis.kpis import kpi_table
    from salesops_lib.format import money, pct

    total = kpi_table(demo, quarter="2026Q3", by=None).iloc[0]
    index = (rendered.folder / "index.html").read_text()
    assert money(total["bookings"]) in index
    assert pct(total["attainment"]) in index
    manifest = json.loads((rendered.folder / "manifest.json").read_text())
    assert manifest["headline"]["bookings"] == pytest.approx(total["bookings"])


def test_untrusted_names_are_escaped(demo, tmp_path):
    hostile = {
        "rep_name": "<script>alert('rep')</script>",
        "team": '<img src=x onerror="alert(1)">',
        "manager": 'Ann & "Bob" <b>O\'Neil</b>',
    }
    folder = tmp_path / "hostile"
    folder.mkdir()
    for name, frame in demo.tables.items():
        frame = frame.copy()
        if name == "reps":
            first_team = frame["team"].iloc[0]
            frame.loc[frame.index[:3], "rep_name"] = hostile["rep_name"]
            frame.loc[frame["team"] == first_team, "team"] = hostile["team"]
            frame.loc[frame.index[:5], "manager"] = hostile["manager"]
        frame.to_parquet(folder / f"{name}.parquet")
    shutil.copy(ROOT / "data" / "demo" / "salesops.toml", folder / "salesops.toml") if (
        ROOT / "data/demo/salesops.toml"
    ).exists() else None
    res = run_quarter(
        folder,
        out=tmp_path / "out",
        only=["01"],
        jobs=1,
        progress=False,
        config=folder / "salesops.toml" if (folder / "salesops.toml").exists() else None,
    )
    assert res.ok, res.failed
    page = (res.folder / "01_team_visibility.html").read_text()
    index = (res.folder / "index.html").read_text()
    summary = (res.folder / "00_executive_summary.html").read_text()
    for text in (page, index, summary):
        assert "<script>alert" not in text
        assert "<img src=x" not in text
        assert "<b>O'Neil</b>" not in text
    assert "&lt;script&gt;alert(" in page
    assert "&lt;img src=x onerror=" in page


def _failing_notebooks(tmp_path: Path) -> Path:
    books = tmp_path / "books"
    books.mkdir()
    shutil.copy(NOTEBOOKS / "01_team_visibility.ipynb", books)
    nb = nbformat.read(NOTEBOOKS / "01_team_visibility.ipynb", as_version=4)
    nb.cells = nb.cells[:2] + [
        nbformat.v4.new_code_cell("raise RuntimeError('the pipeline table is broken')")
    ]
    nb.cells[0].source = "# Broken report\nA report that always fails."
    nbformat.write(nb, books / "02_broken.ipynb")
    return books


def test_failed_notebook_others_render_index_marks_it_exit_nonzero(demo_dir, tmp_path):
    books = _failing_notebooks(tmp_path)
    out = tmp_path / "reports"
    res = run_cli(
        "report",
        "--data",
        str(demo_dir),
        "--config",
        str(demo_dir / "salesops.toml"),
        "--out",
        str(out),
        "--notebooks",
        str(books),
        "--quiet",
        "--jobs",
        "2",
    )
    assert res.returncode == 1
    assert "02_broken" in res.stderr
    # kernels' output (their warnings, their own traceback of the failed cell) goes to
    # logs/, never to the console, however the workers are scheduled
    console = res.stdout + res.stderr
    assert "Traceback" not in console and "IPKernelApp" not in console
    folder = out / "2026Q3"
    index = (folder / "index.html").read_text()
    assert "Failed" in index and "RuntimeError: the pipeline table is broken" in index
    good = (folder / "01_team_visibility.html").read_text()
    assert "data:image/png" in good
    bad = (folder / "02_broken.html").read_text()
    assert "could not be produced" in bad and "Traceback" not in bad and "logs/02_broken.log" in bad
    assert "Traceback" in (folder / "logs" / "02_broken.log").read_text()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert {r["name"]: r["status"] for r in manifest["reports"]} == {
        "01_team_visibility": "ok",
        "02_broken": "failed",
    }


def test_failed_run_leaves_previous_complete_quarter_untouched(rendered, demo_dir, tmp_path):
    out = tmp_path / "reports"
    shutil.copytree(rendered.folder, out / "2026Q3")
    before = tree_digest(out / "2026Q3")
    # a notebook fails: the complete run stays, the failed run lands beside it
    res = run_cli(
        "report",
        "--data",
        str(demo_dir),
        "--config",
        str(demo_dir / "salesops.toml"),
        "--out",
        str(out),
        "--notebooks",
        str(_failing_notebooks(tmp_path)),
        "--quiet",
        "--jobs",
        "1",
    )
    assert res.returncode == 1
    assert tree_digest(out / "2026Q3") == before
    assert (out / "2026Q3.failed" / "index.html").is_file()
    # the data cannot be loaded: nothing is rendered, nothing changes
    broken = tmp_path / "broken"
    shutil.copytree(
        demo_dir, broken, ignore=shutil.ignore_patterns("history.csv", "activities.csv")
    )
    text = (broken / "opportunities.csv").read_text().splitlines()
    text[1] = text[1].replace(",1,", ",1,", 1).replace('"Closed Lost"', '"Closed Lost"', 1)
    text.append(text[1])  # duplicate opp_id: blocking
    (broken / "opportunities.csv").write_text("\n".join(text) + "\n")
    res = run_cli("report", "--data", str(broken), "--out", str(out), "--quiet")
    assert res.returncode == 2 and "duplicate" in res.stderr and "Traceback" not in res.stderr
    assert tree_digest(out / "2026Q3") == before
    assert not list(out.glob(".*rendering*"))


def test_only_rerenders_one_report_and_keeps_the_others(rendered, demo_dir, tmp_path):
    out = tmp_path / "reports"
    shutil.copytree(rendered.folder, out / "2026Q3")
    books = list_notebooks(NOTEBOOKS)
    res = run_quarter(
        demo_dir,
        config=demo_dir / "salesops.toml",
        out=out,
        only=[books[0].stem[:2]],
        jobs=1,
        progress=False,
    )
    assert res.ok
    manifest = json.loads((out / "2026Q3" / "manifest.json").read_text())
    assert {r["name"] for r in manifest["reports"]} == {b.stem for b in books}
    kept = [r for r in manifest["reports"] if r["kept_from_previous_run"]]
    assert len(kept) == len(books) - 1
    # the summary and the workbook still draw on the kept reports' findings and tables
    assert {f["report"] for f in manifest["summary"]["findings"]} - {books[0].stem}
    assert all(r["table"] for r in kept)
    assert (out / "2026Q3" / "00_executive_summary.html").is_file()
    assert (out / "2026Q3" / "00_key_tables.xlsx").is_file()
    for b in books:
        assert (out / "2026Q3" / f"{b.stem}.html").is_file()


def test_no_secret_in_any_output(demo_dir, tmp_path, monkeypatch):
    secret_pw = "Hunter2-Sup3rSecret"
    token = "tok_live_9f8e7d6c5b4a"
    monkeypatch.setenv("SALESOPS_DB_PASSWORD", secret_pw)
    cfg = tmp_path / "salesops.toml"
    base = (demo_dir / "salesops.toml").read_text().replace('[data]\nsource = "."\n', "")
    cfg.write_text(
        # a config holds only keys the workbench reads (unknown ones raise): the secrets sit in
        # data.password, data.source's URL and (as a user's label) a table name under data.tables
        '[data]\npassword = "${SALESOPS_DB_PASSWORD}"\nsource = "postgresql://analyst:'
        + secret_pw
        + f'@db.internal/crm"\n[data.tables]\napi_token = "{token}"\n'
        + base,
        encoding="utf-8",
    )
    out = tmp_path / "reports"
    res = run_cli(
        "report",
        "--data",
        str(demo_dir),
        "--config",
        str(cfg),
        "--out",
        str(out),
        "--only",
        "01",
        "--quiet",
        env={"SALESOPS_DB_PASSWORD": secret_pw},
    )
    assert res.returncode == 0, res.stderr
    for p in (out / "2026Q3").rglob("*"):
        if p.is_file():
            text = p.read_text(errors="replace")
            assert secret_pw not in text and token not in text, p
    assert secret_pw not in res.stdout + res.stderr
    # a URL with a typed-in password is never echoed back, even when the connection fails
    res = run_cli(
        "report",
        "--data",
        f"postgresql://analyst:{secret_pw}@127.0.0.1:9/crm",
        "--out",
        str(out),
        "--quiet",
    )
    assert res.returncode == 2
    assert secret_pw not in res.stdout + res.stderr and "***" in res.stderr


def test_bad_parameters_are_clear_errors(demo_dir, tmp_path):
    res = run_cli(
        "report", "--data", str(demo_dir), "--quarter", "2031Q1", "--out", str(tmp_path), "--quiet"
    )
    assert res.returncode == 2 and "outside the data" in res.stderr
    res = run_cli(
        "report", "--data", str(demo_dir), "--only", "99_nothing", "--out", str(tmp_path), "--quiet"
    )
    assert res.returncode == 2 and "matches no report" in res.stderr
    assert not any(tmp_path.iterdir()) or not (tmp_path / "2026Q3").exists()


def test_mid_quarter_run(demo_dir, tmp_path):
    res = run_quarter(
        demo_dir,
        config=demo_dir / "salesops.toml",
        quarter="2026Q4",
        out=tmp_path,
        only=["01"],
        jobs=1,
        progress=False,
    )
    assert res.ok and res.as_of == "2026-11-13"
    index = (res.folder / "index.html").read_text()
    assert "still running" in index


def test_notebook_results_have_titles(rendered):
    for r in rendered.results:
        assert r.title and not r.title.startswith("0")
        assert r.question


def test_maven_example_renders_for_2017q4(maven_rendered):
    res = maven_rendered  # the run without --quarter takes the data's latest quarter
    assert res.ok, [(r.name, r.error) for r in res.failed]
    assert res.folder.name == "2017Q4"
    page = (res.folder / "01_team_visibility.html").read_text()
    assert "no quotas" in page
    assert "data:image/png" in page
    assert pd.Timestamp(res.as_of) == pd.Timestamp("2017-12-31")


def test_longest_report_starts_first(tmp_path):
    """Known durations (the latest manifest) order the start, then notebook metadata."""
    import json as _json
    from pathlib import Path as _Path

    from salesops_lib.run.runner import list_notebooks, longest_first

    books = list_notebooks(_Path(__file__).resolve().parents[1] / "notebooks")
    # without earlier runs: the metadata's expected seconds put forecasting first
    first = [b.stem for b in longest_first(books, tmp_path)]
    assert first[0] == "03_forecasting"
    # comp-plan reads 03's forecast backtest from the run's snapshot: it starts last
    assert first[-1] == "05_comp_plan_evaluation"
    (tmp_path / "2026Q2").mkdir()
    (tmp_path / "2026Q2" / "manifest.json").write_text(
        _json.dumps(
            {"reports": [{"name": "07_crm_data_quality", "status": "ok", "duration_seconds": 99.0}]}
        )
    )
    order = [b.stem for b in longest_first(books, tmp_path)]
    assert order[:2] == ["07_crm_data_quality", "03_forecasting"]
    assert sorted(order) == sorted(b.stem for b in books)


def test_the_index_says_once_what_several_reports_lack():
    from salesops_lib.run.index import _card_text, shared_gaps
    from salesops_lib.run.results import NotebookResult

    def card(name, title, completeness):
        return NotebookResult(name, title, "?", "ok", 1.0, completeness=completeness)

    results = [
        card("01", "Team visibility: where?", "Partial: no quotas"),
        card(
            "02",
            "Rep benchmarking: who?",
            "Partial: no quotas, no history snapshots, no hire dates",
        ),
        card("03", "Forecasting: what?", "Partial: no teams, regions or managers"),
        card("06", "Pipeline health: stuck?", "Partial: no history snapshots"),
        card("07", "CRM data quality: trust?", "Ready"),
    ]
    lines, shared = shared_gaps(results)
    assert lines == [
        "Without quotas: Team visibility and Rep benchmarking.",
        "Without history snapshots: Rep benchmarking and Pipeline health.",
    ]
    assert [_card_text(r, shared) for r in results] == [
        "Partial: see above",
        "Partial: no hire dates; see above",
        "Partial: no teams, regions or managers",  # its own: said on its card only
        "Partial: see above",
        "Ready",
    ]
    assert shared_gaps(results[2:3] + results[4:]) == ([], frozenset())


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Short. Text.", "Short. Text."),
        ("One sentence. " + "x " * 30 + "end.", "One sentence."),
        # issue 16 (VP re-read 2, finding 13): a first sentence over the limit stays whole,
        # never "every check the data …"
        (
            "A long first clause: " + "word " * 20 + "end. Second.",
            "A long first clause: " + "word " * 20 + "end.",
        ),
        ("no full stop " * 10, ("no full stop " * 10).strip()),
    ],
)
def test_blurbs_are_whole_sentences(text, want):
    from salesops_lib.run.notebook import _whole_sentences

    got = _whole_sentences(text, 40)
    assert got == want and "…" not in got


class _FakePapermill:
    """Papermill whose kernel dies at start ``deaths`` times, then runs (or fails in a cell)."""

    def __init__(self, deaths: int, cell_error: bool = False):
        self.deaths, self.cell_error, self.calls = deaths, cell_error, 0

    def execute_notebook(self, *args, **kwargs):
        self.calls += 1
        if self.calls <= self.deaths:
            raise RuntimeError("Kernel died before replying to kernel_info")
        if self.cell_error:
            raise RuntimeError("a cell failed")


def test_a_kernel_that_dies_at_start_is_started_again(tmp_path, monkeypatch):
    """Kernels started side by side can collide on a port and die before any cell runs."""
    from salesops_lib.run import notebook

    monkeypatch.setattr(notebook.time, "sleep", lambda s: None)
    pm = _FakePapermill(deaths=2)
    notebook._execute(pm, tmp_path / "a.ipynb", tmp_path / "b.ipynb", {}, 60)
    assert pm.calls == 3
    pm = _FakePapermill(deaths=notebook.KERNEL_START_ATTEMPTS)
    with pytest.raises(RuntimeError, match="Kernel died"):
        notebook._execute(pm, tmp_path / "a.ipynb", tmp_path / "b.ipynb", {}, 60)
    assert pm.calls == notebook.KERNEL_START_ATTEMPTS
    pm = _FakePapermill(deaths=0, cell_error=True)  # a cell's error is the report's: never rerun
    with pytest.raises(RuntimeError, match="a cell failed"):
        notebook._execute(pm, tmp_path / "a.ipynb", tmp_path / "b.ipynb", {}, 60)
    assert pm.calls == 1
