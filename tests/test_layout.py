"""The library's layout rules that a reviewer would otherwise check by eye."""

from __future__ import annotations

import ast
from pathlib import Path

LIBRARY = Path(__file__).resolve().parents[1] / "salesops_lib"
LONGEST_FUNCTION = 100  # lines from `def` to the function's last line, docstring included


def _functions(path: Path) -> list[tuple[str, int, int]]:
    """Every function and method of one module: name, first line and length in lines."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.name, node.lineno, node.end_lineno - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno
    ]


def test_no_function_is_longer_than_a_hundred_lines() -> None:
    too_long = [
        f"{path.relative_to(LIBRARY.parent)}:{line} {name} ({length} lines)"
        for path in sorted(LIBRARY.rglob("*.py"))
        for name, line, length in _functions(path)
        if length > LONGEST_FUNCTION
    ]
    assert not too_long, "split these into one function per job:\n" + "\n".join(too_long)


def test_the_length_rule_sees_a_long_function(tmp_path: Path) -> None:
    module = tmp_path / "long.py"
    body = "\n".join(f"    x{i} = {i}" for i in range(LONGEST_FUNCTION))
    module.write_text(f"def long():\n{body}\n", encoding="utf-8")
    assert _functions(module) == [("long", 1, LONGEST_FUNCTION + 1)]
