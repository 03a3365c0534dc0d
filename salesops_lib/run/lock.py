"""One quarterly run at a time per reports folder: a lock file that names its holder.

A run holds an exclusive POSIX lock (``fcntl.lockf``) on ``<out>/.salesops-report.lock``
for its whole length and writes its process id, host, start time and command into it. A
second run into the same folder refuses at once, naming the first. The operating system
drops the lock when the holder's process ends in any way, SIGKILL included, so a killed run
never blocks the next one; the file itself stays (removing it would let two runs lock two
different files), emptied when its holder ends normally. POSIX record locks are not
inherited by forked workers, so a killed run's workers, in the seconds they take to exit,
do not hold it either.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

from salesops_lib.errors import ReportError

LOCK_NAME = ".salesops-report.lock"

try:  # POSIX; elsewhere runs are not locked against each other
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class ReportsBusyError(ReportError):
    """Another run is writing to the same reports folder."""


def unwritable(out: Path, exc: OSError) -> ReportError:
    """The error for a reports folder that cannot be written.

    Parameters
    ----------
    out
        The reports folder.
    exc
        What the operating system said.

    Returns
    -------
    ReportError
        One line naming the folder, the reason and what to do.
    """
    reason = exc.strerror or type(exc).__name__
    return ReportError(
        f"cannot write to the reports folder {out}: {reason}; nothing was changed. "
        "Choose another folder with --out or make this one writable, then run again."
    )


@contextlib.contextmanager
def reports_lock(out: Path) -> Iterator[Path]:
    """Hold the reports folder's lock for the length of the block.

    Parameters
    ----------
    out
        The reports folder (it must exist).

    Yields
    ------
    Path
        The lock file.

    Raises
    ------
    ReportsBusyError
        If another living process holds the lock.
    ReportError
        If the lock file cannot be created (the folder is not writable).
    """
    path = Path(out) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise unwritable(Path(out), exc) from None
    try:
        if fcntl is not None:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise ReportsBusyError(_busy_message(Path(out), _holder(fd))) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(_me()).encode())
        yield path
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


def _me() -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200],
    }


def _holder(fd: int) -> dict[str, object]:
    # read through the descriptor we have: opening the file again and closing it would
    # drop any POSIX lock this process holds on it
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        found = json.loads(os.read(fd, 4096).decode() or "{}")
        return found if isinstance(found, dict) else {}
    except (OSError, ValueError):
        return {}


def _busy_message(out: Path, holder: dict[str, object]) -> str:
    pid = holder.get("pid", "?")
    who = f"pid {pid} on {holder.get('host', '?')}, started {holder.get('started', '?')}"
    if holder.get("command"):
        who += f": {holder['command']}"
    return (
        f"another quarterly run is writing to {out} ({who}); this run changed nothing. "
        f"Wait for it to finish, or stop it (kill {pid}), then run again."
    )
