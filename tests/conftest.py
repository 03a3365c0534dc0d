"""Shared fixtures: the demo company, the Maven example, a seeded rng, figure clean-up."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
MAVEN = ROOT / "data" / "examples" / "maven_crm"
FIXTURES = Path(__file__).parent / "fixtures"
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Refuse to run when ``--dist loadgroup`` would not keep a group on one worker.

    pytest-xdist marks a grouped test by appending ``@group`` to its node id; when a pytest
    release stores node ids elsewhere the marks are lost without a word and each worker renders
    the shared packs again (seen with pytest 9.2: the suite took 16 min instead of 11).
    """
    if not getattr(config.option, "loadgroup", False):
        return
    lost = [i.nodeid for i in items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid]
    if lost:
        raise pytest.UsageError(
            f"pytest-xdist could not group {len(lost)} test(s) (e.g. {lost[0]}) with this pytest; "
            "install the versions pyproject.toml names"
        )


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261127)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """The small demo company (data/demo when `make` made it, else generated once)."""
    made = ROOT / "data" / "demo"
    truth = made / "truth"
    if (made / "opportunities.csv").is_file() and (truth / "accounts_truth.csv").is_file():
        return made
    from salesops_lib.synth import generate

    return generate(tmp_path_factory.mktemp("demo"), size="small", seed=7)


@pytest.fixture(scope="session")
def demo(demo_dir):
    from salesops_lib import load_dataset

    return load_dataset(demo_dir, config=demo_dir / "salesops.toml")


@pytest.fixture(scope="session")
def maven():
    from salesops_lib import load_dataset

    return load_dataset(MAVEN, preset="maven_crm")


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None):
    """Run the salesops CLI in a subprocess; returns CompletedProcess with text output."""
    import subprocess

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "salesops_lib.run.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=full_env,
        timeout=900,
    )


@pytest.fixture(scope="session")
def demo_forecast(demo):
    """Report 03 built once on the demo for 2026Q3 (tests using it join xdist group "forecast")."""
    from salesops_lib.reports import forecasting

    return forecasting.build(demo, quarter="2026Q3")


@pytest.fixture(scope="session")
def rendered(demo_dir, tmp_path_factory):
    """One complete quarterly run of every report on the demo data."""
    from salesops_lib.run.runner import run_quarter

    out = tmp_path_factory.mktemp("reports")
    result = run_quarter(
        demo_dir, config=demo_dir / "salesops.toml", out=out, jobs=2, progress=False
    )
    assert result.ok, [(r.name, r.error) for r in result.failed]
    return result


@pytest.fixture(scope="session")
def maven_rendered(tmp_path_factory):
    """One complete quarterly run of every report on the Maven example (its latest quarter)."""
    from salesops_lib.run.runner import run_quarter

    result = run_quarter(
        MAVEN, preset="maven_crm", out=tmp_path_factory.mktemp("maven"), jobs=2, progress=False
    )
    assert result.ok, [(r.name, r.error) for r in result.failed]
    return result
