"""The Examples in the data layer's docstrings run and show what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "salesops_lib.config",
    "salesops_lib.periods",
    "salesops_lib.data.checks",
    "salesops_lib.data.coerce",
    "salesops_lib.data.io",
    "salesops_lib.data.load",
    "salesops_lib.data.mapping",
    "salesops_lib.data.presets",
    "salesops_lib.data.presets.maven_crm",
    "salesops_lib.data.problems",
    "salesops_lib.data.snapshot",
    "salesops_lib.data.sources",
    "salesops_lib.data.stages",
    "salesops_lib.data.tables",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
