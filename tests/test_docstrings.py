"""The library's docstrings: their Examples run and show what they say, and every public
function has the numpydoc sections a reader needs."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator

import pytest

import salesops_lib

MODULES = sorted(m.name for m in pkgutil.walk_packages(salesops_lib.__path__, "salesops_lib."))
"""Every module of the library (its examples needing data are marked ``# doctest: +SKIP``)."""

PROJECT_ERRORS = ("SalesOpsError", "SalesOpsDataError", "ConfigError", "ReportError")
NO_VALUE = (inspect.Signature.empty, None, "None", "NoReturn")
SECTION = re.compile(r"^(\w[\w ]*)\n-{3,}$", re.M)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def _public_functions() -> Iterator[tuple[str, Callable]]:
    """Public functions of each module and public methods of its public classes.

    Only what the module defines (not what it imports); static and class methods count,
    properties do not (they read as attributes).
    """
    for name in MODULES:
        mod = importlib.import_module(name)
        for attr, obj in vars(mod).items():
            if attr.startswith("_") or getattr(obj, "__module__", None) != name:
                continue
            if inspect.isfunction(obj):
                yield f"{name}.{attr}", obj
            elif inspect.isclass(obj):
                for meth, fn in vars(obj).items():
                    if isinstance(fn, staticmethod | classmethod):
                        fn = fn.__func__
                    if not meth.startswith("_") and inspect.isfunction(fn):
                        yield f"{name}.{attr}.{meth}", fn


def _sections(doc: str) -> dict[str, str]:
    """numpydoc sections (``Parameters``, ``Returns`` ...) of a cleaned docstring, by title."""
    heads = list(SECTION.finditer(doc))
    ends = [h.start() for h in heads[1:]] + [len(doc)]
    return {h.group(1): doc[h.end() : end] for h, end in zip(heads, ends, strict=False)}


def _documented(parameters: str) -> set[str]:
    """The names a Parameters section documents (``start, end`` and ``*args`` included)."""
    names = set()
    for line in parameters.splitlines():
        if line and not line[0].isspace():
            names |= {n.strip().lstrip("*") for n in line.split(" : ")[0].split(",")}
    return names - {""}


def _missing(fn: Callable) -> list[str]:
    """What a function's docstring lacks, in words (empty: nothing)."""
    sig = inspect.signature(fn)
    star = {p.name for p in sig.parameters.values() if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    params = [p for p in sig.parameters if p not in ("self", "cls") and p not in star]
    doc = inspect.cleandoc(fn.__doc__ or "")  # its own: an override does not inherit one
    if not doc:
        return ["a docstring"]
    sections = _sections(doc)
    out = []
    if "\n" in doc.split("\n\n")[0]:
        out.append("a one-line summary")
    if params or star:
        if "Parameters" not in sections:
            if params:
                out.append("Parameters")
        else:
            listed = _documented(sections["Parameters"])
            out += [f"parameter {p!r}" for p in params if p not in listed]
            out += [f"no stale parameter {n!r}" for n in sorted(listed - set(params) - star)]
    returns = sig.return_annotation
    if returns not in NO_VALUE and not {"Returns", "Yields"} & set(sections):
        out.append("Returns")
    try:
        source = inspect.getsource(fn)
    except OSError:
        source = ""
    raises = re.search(rf"raise ({'|'.join(PROJECT_ERRORS)})\b", source)
    if (returns == "NoReturn" or raises) and "Raises" not in sections:
        out.append("Raises")
    return out


def test_every_public_function_has_numpydoc_sections():
    """One summary line; Parameters naming every parameter; Returns; Raises for our errors."""
    found = list(_public_functions())
    assert len(found) > 300  # the walk reaches every module
    gaps = [f"{qn}: needs {', '.join(m)}" for qn, fn in found if (m := _missing(fn))]
    assert not gaps, f"{len(gaps)} docstrings are incomplete:\n" + "\n".join(gaps)
