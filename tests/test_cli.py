"""The command line honours the config: its source, no silent fall-back to the demo, a
line saying what was loaded, and --quiet."""

from __future__ import annotations

from salesops_lib.run import cli

from .conftest import FIXTURES


def _stub_run(monkeypatch) -> dict:
    """Record what ``salesops report`` would run instead of rendering every notebook."""
    seen: dict = {}

    class Result:
        ok, results, quarter, as_of, failed, notes = True, [1], "2026Q1", "2026-03-31", [], []
        teams: list = []
        folder = FIXTURES

    def fake(source, **kwargs):
        seen.update(source=source, **kwargs)
        return Result()

    import salesops_lib.run.runner as runner

    monkeypatch.setattr(runner, "run_quarter", fake)
    return seen


def test_report_uses_the_configs_source_and_says_what_it_loaded(tmp_path, monkeypatch, capsys):
    seen = _stub_run(monkeypatch)
    cfg = tmp_path / "salesops.toml"
    cfg.write_text('[data]\nsource = "exports/deals"\n', encoding="utf-8")
    assert cli.main(["report", "--config", str(cfg), "--out", str(tmp_path / "r")]) == 0
    assert seen["source"] == str(tmp_path / "exports" / "deals")
    assert seen["config"] == str(cfg)
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"data: {tmp_path / 'exports' / 'deals'}; config: {cfg}"


def test_a_config_without_a_source_never_falls_back_to_the_demo(tmp_path, monkeypatch, capsys):
    seen = _stub_run(monkeypatch)
    cfg = tmp_path / "salesops.toml"
    cfg.write_text("[fiscal]\nstart_month = 2\n", encoding="utf-8")
    assert cli.main(["report", "--config", str(cfg)]) == 2
    assert not seen
    assert "names no data source" in capsys.readouterr().err
    # --data still wins over the config
    assert cli.main(["report", "--config", str(cfg), "--data", "x", "--out", str(tmp_path)]) == 0
    assert seen["source"] == "x"


def test_quiet_prints_only_the_result(tmp_path, monkeypatch, capsys):
    seen = _stub_run(monkeypatch)
    data = str(FIXTURES / "order_lines")
    assert cli.main(["report", "--data", data, "--quiet", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    assert out.out.startswith("1 report(s) for 2026Q1")
    assert seen["progress"] is False
    assert seen["config"] == str(FIXTURES / "order_lines" / "salesops.toml")  # the folder's


def test_validate_takes_the_source_from_the_config(tmp_path, capsys):
    body = (FIXTURES / "order_lines" / "salesops.toml").read_text(encoding="utf-8")
    cfg = tmp_path / "salesops.toml"
    source = (FIXTURES / "order_lines").as_posix()
    cfg.write_text(f'[data]\nsource = "{source}"\n' + body, encoding="utf-8")
    assert cli.main(["validate", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert f"{source}: valid" in out
    assert "  opportunities          630 rows" in out


def test_report_help_shows_every_option_with_its_default(capsys):
    import re

    import pytest

    with pytest.raises(SystemExit):
        cli.main(["report", "--help"])
    text = capsys.readouterr().out
    options = text[text.index("options:") :]
    # each option's entry: from its flag at the start of a line to the next flag
    entries = re.split(r"\n  (?=--)", options.split("show this help message and exit", 1)[1])
    entries = [e for e in entries if e.strip()]
    flags = [e.split()[0] for e in entries]
    assert flags == [
        "--quarter", "--as-of", "--data", "--preset", "--config", "--out", "--only", "--jobs",
        "--notebooks", "--pdf", "--teams", "--quiet",
    ]  # fmt: skip
    for entry in entries:
        assert "(default:" in " ".join(entry.split()), entry
