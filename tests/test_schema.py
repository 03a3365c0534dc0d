"""The schema as the README and ``salesops schema`` show it."""

from __future__ import annotations

import re
from pathlib import Path

from salesops_lib import schema
from salesops_lib.run.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_section_is_the_schema():
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- schema:start -->\n(.*)<!-- schema:end -->", text, re.S)
    assert found is not None
    assert found.group(1) == schema.schema_markdown()


def test_schema_command_prints_every_table_and_column(capsys):
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    assert out == schema.schema_markdown()
    for table in schema.TABLES.values():
        assert f"**`{table.name}`**" in out
        for col in table.columns:
            assert f"| `{col.name}` |" in out


def test_schema_command_for_one_table_and_an_unknown_one(capsys):
    assert main(["schema", "quotas"]) == 0
    out = capsys.readouterr().out
    assert (
        out.splitlines()[4]
        == "| `rep_id` | id (text) | required, never blank | The rep. | 01 02 03 04 05 |"
    )
    assert "opportunities" not in out
    assert main(["schema", "deals"]) == 2
    assert "no table 'deals'" in capsys.readouterr().err


def test_every_column_says_what_it_means():
    for table in schema.TABLES.values():
        for col in table.columns:
            assert col.description, f"{table.name}.{col.name}"
