"""Team pages (``salesops report --teams``): folder names, escaping, the run, the figures."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from salesops_lib.errors import ConfigError
from salesops_lib.reports.outlook import shortfall_caveat
from salesops_lib.run.cli import _parser
from salesops_lib.run.pages import page
from salesops_lib.run.results import NotebookResult
from salesops_lib.run.runner import wants_teams
from salesops_lib.run.teams import (
    TEAM_REPORTS,
    team_folders,
    team_pages_line,
    team_slug,
    write_team_index,
)

from .conftest import ROOT, run_cli

HOSTILE = "<script>alert(1)</script>"
META = {"quarter": "2026Q3", "as_of": "2026-09-30", "version": "0", "fingerprint": "f" * 40}
SAFE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("East Enterprise", "east-enterprise"),
        (HOSTILE, "script-alert-1-script"),
        ("../..", ""),
        ("..", ""),
        ("a/b", "a-b"),
        ("Île-de-France / Nord", "ile-de-france-nord"),
        ("  Ventes   Sud ", "ventes-sud"),
        ("東京", ""),
        ("x" * 80, "x" * 40),
    ],
)
def test_team_slug_keeps_only_plain_characters(name, plain):
    assert team_slug(name) == plain


def test_team_folders_are_safe_and_unique():
    names = [HOSTILE, "../..", "..", "a/b", "a b", "Île", "Ile", "東京", "大阪", "West"]
    folders = team_folders(names)
    assert len(set(folders.values())) == len(names)
    for name, folder in folders.items():
        assert SAFE.fullmatch(folder), (name, folder)
        assert Path(folder).name == folder and folder not in (".", "..")
    # a plain, unshared name stays readable; the others get a short hash
    assert folders["West"] == "west"
    assert folders["../.."].startswith("team-") and folders["東京"].startswith("team-")
    assert folders["Île"].startswith("ile-") and folders["Ile"].startswith("ile-")
    assert folders["a/b"].startswith("a-b-") and folders["a b"].startswith("a-b-")
    # the same teams give the same folders, run after run
    assert team_folders(reversed(names)) == folders


def test_team_names_stay_escaped_in_pages(tmp_path):
    pages = [
        NotebookResult(
            "01_team_visibility", "Team visibility: where?", "q?", "ok", 1.0, team=HOSTILE
        ),
        NotebookResult(
            "03_forecasting", "Forecasting: what?", "", "failed", 1.0, "E: x", team=HOSTILE
        ),
    ]
    company = [
        NotebookResult("04_quota_design", "Quota design: how?", "", "ok", 1.0),
        NotebookResult("01_team_visibility", "Team visibility: where?", "", "ok", 1.0),
    ]
    index = write_team_index(tmp_path, HOSTILE, pages, company, META).read_text()
    line = team_pages_line("01_team_visibility", team_folders([HOSTILE, "a/b"]))
    report = page("Team visibility", "<p>body</p>", {**META, "team": HOSTILE})
    for text in (index, line, report):
        assert "<script>alert" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert 'href="../../04_quota_design.html"' in index  # company-level: linked, not narrowed
    assert 'href="01_team_visibility.html"' in index and "1 page(s)" in index
    assert 'href="teams/script-alert-1-script/01_team_visibility.html"' in line
    assert team_pages_line("04_quota_design", team_folders(["West"])) == ""
    assert team_pages_line("01_team_visibility", {}) == ""
    assert 'href="../../index.html"' in report and 'href="index.html">Team &lt;script' in report


def test_teams_from_the_flag_or_the_config():
    assert wants_teams({}, None) is False
    assert wants_teams({"report": {"teams": True}}, None) is True
    assert wants_teams({"report": {"teams": True}}, False) is False
    assert wants_teams({}, True) is True
    with pytest.raises(ConfigError, match=r"\[report\] teams must be true or false"):
        wants_teams({"report": {"teams": "yes"}}, None)
    assert _parser().parse_args(["report"]).teams is None
    assert _parser().parse_args(["report", "--teams"]).teams is True
    assert "--teams" in _parser()._subparsers._group_actions[0].choices["report"].format_help()


def _tiny_books(tmp_path: Path) -> Path:
    """Two one-cell reports: 01 (rendered per team) and 04 (company only)."""
    books = tmp_path / "books"
    books.mkdir()
    real = nbformat.read(ROOT / "notebooks" / "01_team_visibility.ipynb", as_version=4)
    params = next(c for c in real.cells if "parameters" in c.metadata.get("tags", []))
    say = (
        "from IPython.display import display\nfrom salesops_lib.render import page\n"
        "display(page.say(f'Scope: {team or \"the company\"}'))"
    )
    for stem in ("01_tiny", "04_tiny"):
        nb = nbformat.v4.new_notebook(metadata=real.metadata)
        nb.cells = [nbformat.v4.new_markdown_cell(f"# Tiny {stem}: what?\nOne line."), params]
        nb.cells.append(nbformat.v4.new_code_cell(say))
        nbformat.write(nb, books / f"{stem}.ipynb")
    return books


def test_report_teams_renders_each_team_escaped_and_recorded(demo, tmp_path):
    folder = tmp_path / "two_teams"
    folder.mkdir()
    for name, frame in demo.tables.items():
        if name == "reps":  # six teams become two hostile ones
            east = frame["team"].str.startswith("East")
            frame = frame.assign(team=frame["team"].where(~east, HOSTILE))
            frame = frame.assign(team=frame["team"].where(east, "Île / .."))
        frame.to_parquet(folder / f"{name}.parquet")
    shutil.copy(ROOT / "data" / "demo" / "salesops.toml", folder / "salesops.toml")
    out = tmp_path / "reports"
    args = ["--data", str(folder), "--out", str(out), "--notebooks", str(_tiny_books(tmp_path))]
    res = run_cli("report", *args, "--teams", "--quiet", "--jobs", "2")
    assert res.returncode == 0, res.stderr
    assert "and 2 team page(s) for 2 team(s)" in res.stdout
    q = out / "2026Q3"
    manifest = json.loads((q / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["parameters"]["teams"] is True
    teams = {t["team"]: t for t in manifest["teams"]}
    assert set(teams) == {HOSTILE, "Île / .."}
    for name, t in teams.items():
        assert [r["name"] for r in t["reports"]] == ["01_tiny"]
        where = q / t["folder"]
        assert where.parent == q / "teams" and SAFE.fullmatch(where.name)
        page_text = (q / t["reports"][0]["html"]).read_text()
        index = (q / t["index"]).read_text()
        for text in (page_text, index):
            assert "<script>alert" not in text
        assert "Scope: " + name.replace("<", "&lt;").replace(">", "&gt;") in page_text
        assert not list(where.glob("04_*"))  # company-level: no team page
    company = (q / "01_tiny.html").read_text()
    assert "Pages per team:" in company and "<script>alert" not in company
    assert "Pages per team" not in (q / "04_tiny.html").read_text()
    index = (q / "index.html").read_text()
    assert all(t["index"] in index for t in teams.values()) and "<script>alert" not in index


def _raw(demo_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    opps = pd.read_csv(demo_dir / "opportunities.csv", parse_dates=["close_date"])
    reps = pd.read_csv(demo_dir / "reps.csv")
    return opps.merge(reps[["rep_id", "team"]], on="rep_id", how="left"), reps


def test_team_pages_show_the_company_reports_team_rows(demo, demo_dir):
    """Each team's 01 page: bookings, win rate and next quarter's pipeline equal that team's
    row in the company's 01, and bookings and win rate equal pandas on the raw CSVs."""
    from salesops_lib.reports import team_visibility

    company = team_visibility.build(demo, quarter="2026Q3")
    assert company.group_level == "team"
    by_team = company.groups[0].frame.set_index("group")
    cover = company.coverage_by_team.frame.set_index("team")
    opps, reps = _raw(demo_dir)
    closed = opps[opps["is_closed"] & opps["close_date"].between("2026-07-01", "2026-09-30")]
    teams = sorted(reps["team"].unique())
    assert len(teams) == 6
    pipelines = 0.0
    for team in teams:
        mine = team_visibility.build(demo, quarter="2026Q3", team=team)
        tiles = {t.label: t.value for t in mine.tiles}
        own = closed[closed["team"] == team]
        booked = float(own.loc[own["is_won"], "amount"].sum())
        rate = own["is_won"].mean()
        assert by_team.loc[team, "bookings"] == pytest.approx(booked)
        assert by_team.loc[team, "win_rate"] == pytest.approx(rate)
        assert tiles["Bookings"] == f"${booked / 1e6:.1f}M"
        assert tiles["Win rate"] == f"{rate:.0%}"
        assert mine.coverage["open_pipeline"] == pytest.approx(cover.loc[team, "open_pipeline"])
        assert mine.coverage["goal"] == pytest.approx(cover.loc[team, "goal"])
        pipelines += float(mine.coverage["open_pipeline"])
    assert pipelines == pytest.approx(float(company.coverage["open_pipeline"]))
    # the shortfall finding the executive summary shows carries 01's caveat with it
    short = [f.text for f in company.findings if "short by" in f.text]
    assert short and short[0].endswith(shortfall_caveat() + ".")
    assert "rule of thumb, not a forecast" in shortfall_caveat()


def test_team_reports_are_the_team_facing_ones():
    books = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    chosen = [b for b in books if b[:2] in TEAM_REPORTS]
    assert chosen == [
        "01_team_visibility",
        "02_rep_benchmarking",
        "03_forecasting",
        "06_pipeline_health",
        "07_crm_data_quality",
    ]


def test_teams_in_the_data_leave_out_blank_names(demo):
    from salesops_lib.run.teams import teams_in

    assert len(teams_in(demo)) == 6
    reps = demo.reps.iloc[:4].assign(team=[None, " ", "B", "A"])
    assert teams_in(demo.replace(reps=reps)) == ["A", "B"]
    assert teams_in(demo.replace(reps=demo.reps.drop(columns="team"))) == []


def test_team_forecast_pages_are_the_company_rows(demo, demo_forecast, demo_dir):
    """Each team's 03 shows its row of the company's forecast by team (same method, same
    figures, no backtest of its own); the rows add up to the company's forecast; the deals
    to push on a team's page are that team's (raw CSVs)."""
    from salesops_lib.reports import forecasting

    company = demo_forecast
    rows = company.by_team.frame.set_index("team")
    method = company.by_team.frame.attrs.get("method") or company.recommendation.method
    whole = company.forecasts.set_index("method").loc[company.recommendation.method, "point"]
    assert rows["point"].sum() == pytest.approx(float(whole), rel=1e-9)
    opps, reps = _raw(demo_dir)
    team_of = opps.set_index("opp_id")["team"]
    for team in sorted(reps["team"].unique()):
        mine = forecasting.build(demo, quarter="2026Q3", team=team)
        assert mine.backtests == {} and mine.accuracy_sentence == forecasting.COMPANY_ONLY
        fig = forecasting.outlook_figures(mine)
        for col in ("point", "lo80", "hi80"):
            assert fig[col] == pytest.approx(float(rows.loc[team, col]))
        assert mine.forecasts["method"].tolist() == [method]
        money = forecasting.money_in("USD")
        assert f"**{money(float(rows.loc[team, 'point']))}**" in mine.recommendation_sentence
        assert mine.tiles[0].value == money(float(rows.loc[team, "point"]))
        pushed = mine.push_list.frame
        assert len(pushed) and set(team_of.reindex(pushed["opp_id"])) == {team}
        assert "row of the company's forecast by team" in mine.header.scope


def test_team_forecast_pages_start_after_the_other_team_pages(tmp_path):
    """03's team pages read the company's 03 through the shared results: they go last."""
    from salesops_lib.run.workers import reads_company, team_work

    books = sorted((ROOT / "notebooks").glob("0[12367]_*.ipynb"))
    assert [reads_company(b) for b in books] == [False, False, True, False, False]
    company = [(b, tmp_path, {}, {}) for b in books]
    work = team_work(company, {"A": "a", "B": "b"}, tmp_path)
    assert [w[0].stem[:2] for w in work] == [
        "01",
        "01",
        "02",
        "02",
        "06",
        "06",
        "07",
        "07",
        "03",
        "03",
    ]
    assert [w[2]["team"] for w in work[-2:]] == ["A", "B"]


def test_report_teams_without_teams_in_the_data_says_so(demo, tmp_path):
    folder = tmp_path / "no_teams"
    folder.mkdir()
    for name, frame in demo.tables.items():
        if name == "reps":
            frame = frame.drop(columns=["team"])
        frame.to_parquet(folder / f"{name}.parquet")
    shutil.copy(ROOT / "data" / "demo" / "salesops.toml", folder / "salesops.toml")
    out = tmp_path / "reports"
    args = ["--data", str(folder), "--out", str(out), "--notebooks", str(_tiny_books(tmp_path))]
    res = run_cli("report", *args, "--teams", "--quiet", "--jobs", "1")
    assert res.returncode == 0, res.stderr
    said = res.stdout + res.stderr + (out / "2026Q3" / "index.html").read_text()
    assert "no team pages: the data names no team" in said
    assert not (out / "2026Q3" / "teams").exists()


def test_only_with_teams_keeps_the_other_team_pages(demo_dir, tmp_path):
    out = tmp_path / "reports"
    books = _tiny_books(tmp_path)
    args = ["--data", str(demo_dir), "--out", str(out), "--notebooks", str(books), "--quiet"]
    first = run_cli("report", *args, "--teams", "--jobs", "2")
    assert first.returncode == 0, first.stderr
    q = out / "2026Q3"
    before = json.loads((q / "manifest.json").read_text())["teams"]
    pages = {t["team"]: (q / t["reports"][0]["html"]).read_bytes() for t in before}
    assert len(pages) == 6
    again = run_cli("report", *args, "--teams", "--only", "04", "--jobs", "2")
    assert again.returncode == 0, again.stderr
    manifest = json.loads((q / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    after = {t["team"]: t for t in manifest["teams"]}
    assert set(after) == set(pages)
    for name, t in after.items():
        assert [r["name"] for r in t["reports"]] == ["01_tiny"]
        assert (q / t["reports"][0]["html"]).read_bytes() == pages[name]
        assert "01_tiny.html" in (q / t["index"]).read_text()
    kept = {r["name"]: r["kept_from_previous_run"] for r in manifest["reports"]}
    assert kept == {"01_tiny": True, "04_tiny": False}
