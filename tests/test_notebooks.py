"""Report notebooks: thin templates that convert and execute (nbval-lax and Papermill)."""

from __future__ import annotations

import ast
import subprocess
import sys

import nbformat
import pytest

from salesops_lib.run.runner import list_notebooks

from .conftest import MAVEN, ROOT

BOOKS = list_notebooks(ROOT / "notebooks")
IDS = [b.stem for b in BOOKS]


@pytest.mark.parametrize("book", BOOKS, ids=IDS)
def test_template_shape(book):
    nb = nbformat.read(book, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), (
        "commit notebooks without outputs"
    )
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    tree = ast.parse(params[0].source)
    names = {t.target.id for t in tree.body if isinstance(t, ast.AnnAssign)}
    assert {"data", "quarter", "as_of", "config", "team"} <= names
    assert all(
        isinstance(t, ast.AnnAssign) and isinstance(t.value, ast.Constant) for t in tree.body
    ), "literal defaults only"
    for c in code:
        for node in ast.walk(ast.parse(c.source)):
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef), (
                "no def or class in notebooks"
            )
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert md.lstrip().startswith("# ")
    assert "## Definitions" in md
    assert md.count("\n## ") >= 3


MAX_CODE_LINES = 45
"""Code lines a report notebook may hold besides its parameters cell: display calls only."""


@pytest.mark.parametrize("book", BOOKS, ids=IDS)
def test_notebooks_are_thin(book):
    nb = nbformat.read(book, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    body = [c for c in code if "parameters" not in c.metadata.get("tags", [])]
    lines = [
        ln
        for c in body
        for ln in c.source.splitlines()
        if ln.strip() and not ln.strip().startswith("#")
    ]
    assert len(lines) <= MAX_CODE_LINES, f"{len(lines)} code lines; logic belongs in a builder"
    source = "\n".join(c.source for c in body)
    for node in ast.walk(ast.parse(source)):
        # no computation in a report notebook: no branches, loops, comprehensions or renames
        assert not isinstance(node, ast.If | ast.For | ast.While | ast.ListComp | ast.DictComp), (
            ast.unparse(node)[:80]
        )
    assert ".rename(" not in source and "legacy_page" not in source
    assert "page.status(" in source, "the last cell tells the run whether the report is complete"


@pytest.mark.xdist_group("nbval")
def test_nbval_lax(demo_dir):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-q",
            *map(str, BOOKS),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]


OTHER = {
    "team-mid-quarter": {"team": "East Enterprise", "quarter": "2026Q4", "as_of": "2026-10-20"},
    "maven": {"data": str(MAVEN), "preset": "maven_crm", "config": "", "quarter": "2017Q4"},
}
EXTRA_01 = {
    "mid-quarter": {"quarter": "2026Q3", "as_of": "2026-08-14"},
    "maven-team-mid-quarter": {
        "data": str(MAVEN),
        "preset": "maven_crm",
        "config": "",
        "quarter": "2017Q3",
        "as_of": "2017-08-15",
        "team": "Rocco Neubert",
    },
}
CASES = [(b, name, p) for b in BOOKS for name, p in OTHER.items()] + [
    (b, name, p) for b in BOOKS[:1] for name, p in EXTRA_01.items()
]


@pytest.mark.parametrize(
    ("book", "case", "params"), CASES, ids=[f"{b.stem}-{n}" for b, n, _ in CASES]
)
def test_papermill_with_other_parameters(book, case, params, tmp_path, demo_dir):
    import papermill as pm

    full = {
        "data": str(demo_dir),
        "config": str(demo_dir / "salesops.toml"),
        "backtest_quarters": 3,
        **params,
    }
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(
        str(book),
        str(out),
        parameters=full,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(book.parent),
    )
    nb = nbformat.read(out, as_version=4)
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
    html = "".join(
        o.get("data", {}).get("text/html", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    assert (
        "finding" in html or 'class="note"' in html
    )  # a generated sentence, or a note saying why not (e.g. no quotas)


def test_team_visibility_headings_promise_no_attainment():
    # issue 16 (VP re-read 2, finding 13): static headings are true on data without quotas
    # (Maven): the trend section's heading promised "attainment"
    nb = nbformat.read(ROOT / "notebooks" / "01_team_visibility.ipynb", as_version=4)
    heads = [
        ln
        for c in nb.cells
        if c.cell_type == "markdown"
        for ln in c.source.splitlines()
        if ln.startswith("## ")
    ]
    assert "## How have bookings and win rate moved over the last eight quarters?" in heads
    assert not any("attainment" in h.lower() for h in heads)
