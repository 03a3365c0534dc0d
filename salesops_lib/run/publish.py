"""The run's temporary folder: where it is made, how it is swapped in, what is left over.

A run renders into ``<out>/.<quarter>.rendering-<pid>-<ns>/`` and only at the end swaps it
into ``<out>/<quarter>/`` (two renames: the old folder aside as ``.<quarter>.old-<pid>-<ns>``,
the new one into place, the old one removed). A run killed before that leaves its rendering
folder behind; a run killed between the two renames leaves the last good reports aside.
The next run, holding the folder's lock (so no other run is alive), removes the first and
puts the second back: :func:`clean_leftovers`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import psutil

from salesops_lib.config import mask
from salesops_lib.run.stop import running

RENDERING = ".rendering-"
OLD = ".old-"


def rendering_folder(out: Path, quarter: str) -> Path:
    """Make the run's own temporary folder in ``out``.

    Parameters
    ----------
    out
        The reports folder.
    quarter
        The quarter being rendered.

    Returns
    -------
    Path
        ``<out>/.<quarter>.rendering-<pid>-<ns>`` (``ns``: the time it was made, in
        nanoseconds), created empty.
    """
    tmp = Path(out) / f".{quarter}{RENDERING}{_stamp()}"
    tmp.mkdir()
    return tmp


def _stamp() -> str:
    return f"{os.getpid()}-{time.time_ns()}"


_OWNER = re.compile(r"-(\d+)-(\d+)$")


def _owner_alive(folder: Path) -> bool:
    """Whether the process named in a folder's ``-<pid>-<ns>`` suffix still runs.

    A process with that id started after the folder was made is another process (ids are
    reused), so the folder's owner is gone.
    """
    m = _OWNER.search(folder.name)
    if m is None or int(m.group(1)) == os.getpid():
        return False
    try:
        p = psutil.Process(int(m.group(1)))
        return running(p) and p.create_time() <= int(m.group(2)) / 1e9 + 1
    except psutil.Error:
        return False


def clean_leftovers(out: Path) -> list[str]:
    """Remove what killed runs left in ``out``; call it only while holding the folder's lock.

    Rendering folders are removed. A quarter's folder set aside by a publish that was cut
    short is put back when the quarter has no folder, else removed. A folder whose owner
    still runs (possible only if someone deleted the lock file under it) is left alone.

    Parameters
    ----------
    out
        The reports folder.

    Returns
    -------
    list of str
        One line per kind of thing done, for the console; empty when nothing was left.
    """
    removed, restored = [], []
    for p in sorted(Path(out).glob(".*")):
        if not p.is_dir() or _owner_alive(p):
            continue
        if RENDERING in p.name:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
        elif OLD in p.name:
            home = p.with_name(p.name[1:].rsplit(OLD, 1)[0])
            if home.exists():
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p.name)
            else:
                p.rename(home)
                restored.append(home.name)
    lines = []
    if removed:
        lines.append(
            f"removed {len(removed)} folder(s) left by an earlier run that was killed: "
            + ", ".join(removed)
        )
    if restored:
        lines.append(
            "put back the last good reports that an interrupted run had set aside: "
            + ", ".join(restored)
        )
    return lines


def is_complete(folder: Path) -> bool:
    """True when ``folder`` holds a complete run (its manifest says so).

    Parameters
    ----------
    folder
        A quarter's reports folder.

    Returns
    -------
    bool
    """
    try:
        manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
        return isinstance(manifest, dict) and manifest.get("status") == "complete"
    except (OSError, ValueError):
        return False


def publish(tmp: Path, final: Path, *, ok: bool) -> Path:
    """Swap the rendered folder into place; never replace a complete run with a failed one.

    Parameters
    ----------
    tmp
        The run's rendering folder, complete.
    final
        ``<out>/<quarter>``.
    ok
        Whether every report rendered. If not and ``final`` holds a complete run, the run
        goes to ``<quarter>.failed`` instead.

    Returns
    -------
    Path
        Where the run now is.
    """
    target = final.with_name(final.name + ".failed") if not ok and is_complete(final) else final
    if target.exists():
        old = target.with_name(f".{target.name}{OLD}{_stamp()}")
        target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(target)
    return target


def scrub(folder: Path, secrets: list[str]) -> None:
    """Mask any secret that reached an output file (defence in depth).

    Parameters
    ----------
    folder
        The rendering folder.
    secrets
        Strings never to write out.
    """
    if not secrets:
        return
    for p in Path(folder).rglob("*"):
        if p.is_file() and p.suffix in (".ipynb", ".html", ".json", ".log"):
            text = p.read_text(encoding="utf-8", errors="replace")
            masked = mask(text, secrets)
            if masked != text:
                p.write_text(masked, encoding="utf-8")
