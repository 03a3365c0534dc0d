"""Junk never makes `salesops validate` crash: random bytes, columns and cell text."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesops_lib.run.cli import main

from .test_data import OPPS, REPS

COLUMNS = [
    "opp_id",
    "rep_id",
    "stage",
    "amount",
    "created_date",
    "close_date",
    "is_closed",
    "is_won",
    "probability",
    "account_id",
    "junk",
    "Amount",
    "Close Date",
    "",
    "rep_id",
]
CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "NaN",
            "-1",
            "1e309",
            "2026-13-45",
            "true",
            "yes",
            "<script>alert(1)</script>",
            "Müller, Jr.",
            '"',
            "\x00",
        ]
    ),
    st.integers(-(10**12), 10**12).map(str),
)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _run(files: dict[str, bytes], capsys) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, content in files.items():
            (folder / name).write_bytes(content)
        code = main(["validate", str(folder)])
    out = capsys.readouterr()
    return code, out.out + out.err


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes(capsys, blob):
    code, text = _run({"opportunities.csv": blob, "reps.csv": REPS.encode()}, capsys)
    assert code in (0, 1), text
    assert "Traceback" not in text


@SETTINGS
@given(
    st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=8),
    st.lists(st.lists(CELL, min_size=0, max_size=9), max_size=6),
)
def test_random_columns_and_cells(capsys, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    code, text = _run(
        {
            "opportunities.csv": buf.getvalue().encode("utf-8", "surrogatepass"),
            "reps.csv": REPS.encode(),
        },
        capsys,
    )
    assert code in (0, 1), text
    assert "Traceback" not in text


@SETTINGS
@given(st.integers(0, 3), st.integers(0, 9), CELL)
def test_one_bad_cell_in_a_good_file(capsys, row, col, value):
    rows = list(csv.reader(io.StringIO(OPPS)))
    r = rows[1 + row % (len(rows) - 1)]
    r[col % len(r)] = value
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    code, text = _run(
        {
            "opportunities.csv": buf.getvalue().encode("utf-8", "surrogatepass"),
            "reps.csv": REPS.encode(),
        },
        capsys,
    )
    assert code in (0, 1), text
    assert "Traceback" not in text
