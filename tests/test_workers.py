"""Workers' output: whatever a worker or a kernel it starts prints goes to the report's log."""

from __future__ import annotations

import os
import subprocess
import sys

from salesops_lib.run.workers import _tidy, output_to


def test_output_of_started_processes_goes_to_the_log(tmp_path, capfd):
    log = tmp_path / "01.kernel.log"
    with output_to(log):
        subprocess.run([sys.executable, "-c", "import sys; print('out'); sys.exit('err')"])
        os.write(2, b"mine\n")  # this process's own stderr, at the descriptor
    assert log.read_text().split() == ["out", "err", "mine"]
    captured = capfd.readouterr()
    assert "err" not in captured.err and "out" not in captured.out


def test_kernel_log_drops_noise_and_empty_logs(tmp_path):
    noise = (
        "[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All ...\n"
        "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.\n"
    )
    quiet = tmp_path / "a.kernel.log"
    quiet.write_text(noise)
    _tidy(quiet)
    assert not quiet.exists()
    telling = tmp_path / "b.kernel.log"
    telling.write_text(noise + "MemoryError: out of memory\n")
    _tidy(telling)
    assert telling.read_text() == "MemoryError: out of memory\n"
