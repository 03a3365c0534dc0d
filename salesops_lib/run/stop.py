"""Stopping a run cleanly: SIGTERM and SIGINT end it, and no process it started outlives it.

While :class:`StopSignals` is active, the first SIGTERM or SIGINT raises :class:`RunStopped`
in the main thread (like ``KeyboardInterrupt``), so the run unwinds through its clean-up:
its workers and their kernels are killed (:class:`ProcessTree`), its rendering folder is
removed, and the last good reports stay as they were. Signals that arrive while a step must
not be cut in half (publishing, cleaning up) are noted, not raised.

:func:`pause_point` is a hook for the test suite only: with ``SALESOPS_TEST_PAUSE=<phase>``
in the environment the run announces the phase on stderr and sleeps there
(``SALESOPS_TEST_PAUSE_SECONDS``, default 60), so a test can signal it at a known point.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType, TracebackType

import psutil

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
PAUSE_ENV = "SALESOPS_TEST_PAUSE"
PAUSE_SECONDS_ENV = "SALESOPS_TEST_PAUSE_SECONDS"


class RunStopped(BaseException):  # noqa: N818 - like KeyboardInterrupt: not an error, a stop
    """The run was stopped by a signal before it published anything.

    A ``BaseException`` so that no ``except Exception`` on the way swallows it.

    Parameters
    ----------
    signum
        The signal that stopped the run.
    """

    def __init__(self, signum: int) -> None:
        self.signum = int(signum)
        super().__init__(f"stopped by {self.signal_name}")

    @property
    def signal_name(self) -> str:
        """The signal's name, such as ``SIGTERM``."""
        return signal.Signals(self.signum).name

    @property
    def exit_status(self) -> int:
        """The conventional exit status: 128 plus the signal number (143, 130)."""
        return 128 + self.signum


class StopSignals:
    """While active (``with StopSignals() as stop:``), a stop signal raises :class:`RunStopped`.

    Only the first signal raises; later ones are ignored so that clean-up runs to its end.
    Outside the main thread (where Python cannot install handlers) it does nothing.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self._deferring = 0
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for s in STOP_SIGNALS:
                self._previous[s] = signal.signal(s, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)  # type: ignore[arg-type]
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received is not None:
            return
        self.received = signum
        if not self._deferring:
            raise RunStopped(signum)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Within this block a stop signal is noted, not raised (steps that must not be cut).

        Yields
        ------
        None
        """
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1


class ProcessTree:
    """The processes started from now on by this process, their own children included.

    Processes that were already children when it was made (a test's database server, say)
    are left alone.
    """

    def __init__(self) -> None:
        self._me = psutil.Process()
        self._before = {p.pid for p in self._me.children()}

    def processes(self) -> list[psutil.Process]:
        """The living processes of the tree: workers and the kernels they started.

        Returns
        -------
        list of psutil.Process
        """
        found: list[psutil.Process] = []
        for child in self._me.children():
            if child.pid in self._before:
                continue
            found.append(child)
            with contextlib.suppress(psutil.Error):
                found.extend(child.children(recursive=True))
        return found

    def kill(self, timeout: float = 5.0) -> list[psutil.Process]:
        """Kill every process of the tree at once and wait for them to be gone.

        Parameters
        ----------
        timeout
            Seconds to wait for them to exit.

        Returns
        -------
        list of psutil.Process
            Those still alive after ``timeout`` (normally none).
        """
        return kill_and_wait(self.processes(), timeout)


def kill_children() -> None:
    """Kill every process this one started, grandchildren included (a worker's kernels)."""
    kill_and_wait(psutil.Process().children(recursive=True), 3.0)


def kill_and_wait(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """SIGKILL every process of ``procs`` and wait until none is running.

    A killed process whose parent has not collected its exit status yet (a zombie) no
    longer runs and counts as gone: orphaned kernels wait for the system's init to reap
    them, which can take a second.

    Parameters
    ----------
    procs
        The processes.
    timeout
        Seconds to wait at most.

    Returns
    -------
    list of psutil.Process
        Those still running after ``timeout`` (normally none).
    """
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.kill()
    end = time.monotonic() + timeout
    while True:
        alive = [p for p in procs if running(p)]
        if not alive or time.monotonic() >= end:
            return alive
        time.sleep(0.02)


def running(p: psutil.Process | None) -> bool:
    """True while ``p`` exists and is not a zombie (dead, its exit status not yet collected).

    Parameters
    ----------
    p
        A process, or None.

    Returns
    -------
    bool
    """
    try:
        return p is not None and p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def watch_parent(main_pid: int, interval: float = 0.5) -> threading.Thread:
    """Start a daemon thread that ends this process (and its kernels) when the run is gone.

    For worker processes: after a SIGKILL of the run nothing can clean up, so each worker
    polls its parent and, once the parent is gone, kills its own children and exits.
    Kernels also watch their worker (ipykernel's parent poller), a second line of defence.

    Parameters
    ----------
    main_pid
        Process id of the run that started this worker.
    interval
        Seconds between two looks.

    Returns
    -------
    threading.Thread
        The started watchdog.
    """
    start_ppid = os.getppid()

    def watch() -> None:
        try:
            main: psutil.Process | None = psutil.Process(main_pid)
        except psutil.Error:
            main = None
        while os.getppid() == start_ppid and running(main):
            time.sleep(interval)
        kill_children()
        os._exit(1)

    t = threading.Thread(target=watch, name="salesops-parent-watch", daemon=True)
    t.start()
    return t


def pause_point(phase: str) -> None:
    """Test-only hook: wait here when ``SALESOPS_TEST_PAUSE`` names ``phase``.

    The run prints ``salesops-test: paused at <phase>`` on stderr and sleeps
    ``SALESOPS_TEST_PAUSE_SECONDS`` (default 60), so a test can signal it at a known point.
    Phases: ``snapshot`` (before the data is frozen), ``publish`` (everything written,
    before the swap into place). Not for production use.

    Parameters
    ----------
    phase
        Name of the point the run has reached.
    """
    if os.environ.get(PAUSE_ENV) != phase:
        return
    print(f"salesops-test: paused at {phase}", file=sys.stderr, flush=True)
    time.sleep(float(os.environ.get(PAUSE_SECONDS_ENV, "60")))
