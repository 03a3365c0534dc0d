"""One number per concept: every report and the index show the same bookings, won deals, win
rate, next quarter's pipeline, past-due deals and slipped deals, on the demo, the Maven example
and the Salesforce and HubSpot export fixtures — as a manager reads them in the rendered pages."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from salesops_lib import load_dataset, timeline
from salesops_lib.analysis.outlook import outlook_quarter, quarter_outlook
from salesops_lib.format import money, pct
from salesops_lib.reports.base import period_of
from salesops_lib.reports.outlook import outlook_sentence

from .conftest import FIXTURES, MAVEN

pytestmark = pytest.mark.xdist_group("render")  # shares the demo and Maven runs

EXPORTS = {  # rendered here; the demo and Maven runs are the session's (conftest)
    "salesforce": (FIXTURES / "salesforce_export", "salesforce"),
    "hubspot": (FIXTURES / "hubspot_export", "hubspot"),
}


def _text(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"</?(b|i|a|span)\b[^>]*>", "", page)  # inline marks are part of the sentence
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture(scope="session")
def runs(rendered, maven_rendered, tmp_path_factory):
    """Each data set's quarterly run: (data, folder of the rendered quarter).

    Session-scoped: xdist may run another module's test between two of this module's, and a
    module-scoped fixture would then render all three data sets a second time (seen: 161 s).
    """
    from salesops_lib.run.runner import run_quarter

    from .conftest import ROOT

    demo_dir = ROOT / "data" / "demo"
    out = {"demo": (load_dataset(demo_dir, config=demo_dir / "salesops.toml"), rendered.folder)}
    out["maven"] = (load_dataset(MAVEN, preset="maven_crm"), maven_rendered.folder)
    for name, (source, preset) in EXPORTS.items():
        result = run_quarter(
            source, preset=preset, out=tmp_path_factory.mktemp(name), jobs=2, progress=False
        )
        assert result.ok, [(r.name, r.error) for r in result.failed]
        out[name] = (load_dataset(source, preset=preset), result.folder)
    return out


@pytest.mark.parametrize("name", ["demo", "maven", *EXPORTS])
def test_the_same_concept_shows_the_same_number_everywhere(runs, name):
    data, folder = runs[name]
    pages = {p.stem[:2]: _text(p) for p in folder.glob("*.html") if p.name != "index.html"}
    index = _text(folder / "index.html")
    period = period_of(data)
    fmt = lambda x: money(x, data.currency)  # noqa: E731
    won = timeline.booked(data, period.start, period.as_of)
    closed = data.opportunities[
        data.opportunities["is_closed"].fillna(False).astype(bool)
        & data.opportunities["close_date"].between(period.start, period.as_of)
    ]
    # bookings, won deals and win rate: the index and report 01
    for where in (index, pages["01"]):
        assert fmt(won["amount"].sum()) in where
        assert f"{len(won):,} won of {len(closed):,} closed" in where
        assert pct(len(won) / len(closed)) in where
    # the quarter ahead's open pipeline: the index, 01, 03 and 06 from one reckoning
    ahead = quarter_outlook(
        data, quarter=outlook_quarter(data, period.quarter, period.as_of), as_of=period.as_of
    )
    pipe = timeline.open_pipeline(data, quarter=ahead.quarter, as_of=period.as_of)
    assert ahead.open_pipeline == pytest.approx(pipe["amount"].sum())
    sentence = outlook_sentence(ahead, data.currency).replace("**", "")
    assert fmt(ahead.open_pipeline) in sentence
    for report in ("01", "03", "06"):  # the same sentence, word for word
        assert sentence in pages[report], report
    assert fmt(ahead.open_pipeline) in index and f"closing in {ahead.quarter}" in index
    # past-due deals: 01 (an ended quarter's), 03 and 07 count the same deals
    due = timeline.past_due(data, as_of=period.as_of)
    if len(due):
        said = (
            f"{len(due):,} open deal{'s' if len(due) != 1 else ''} worth {fmt(due['amount'].sum())}"
        )
        for report in ("01", "03"):
            assert said in pages[report], report
        assert re.search(rf"Close date (already )?passed\D+{len(due):,}\b", pages["07"])
    # slipped deals: the waterfall's "slipped out" step (needs history snapshots)
    slipped = timeline.slipped(data, quarter=period.quarter, as_of=period.as_of)
    if slipped is not None and len(slipped):
        assert fmt(slipped["final_amount"].sum()) in pages["06"]
