"""What an analyst sees: report output in a real JupyterLab, in headless Chromium.

JupyterLab's maths renderer reads text between two ``$`` as LaTeX (issue 18: "between
20.6Mand25.0M" in maths italics). The page helpers' output must come through as money, with
the tiles styled as in the HTML report. A bare HTML output with the same money is rendered
beside them as a control: it must turn into maths, or the test proves nothing.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).parents[1]
pytestmark = [
    pytest.mark.xdist_group("render"),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="Debian's chromium is not installed (.ci/run installs it)",
    ),
]

CELLS = [
    "from IPython.display import HTML, display\n"
    "from salesops_lib.render import page\n"
    "from salesops_lib.reports.base import Tile",
    'display(page.tiles([Tile("Forecast range", "$20.6M–$25.0M", "between $20.6M and $25.0M"),\n'
    '                    Tile("Target", "$75.2M", "(−$31.4M)")]))',
    'display(page.say("The quarter closes between **$20.6M** and **$25.0M**."))',
    'display(page.note("A target of $75.2M (−$31.4M against the plan)."))',
    "display(HTML('<p class=\"money-control\">control: between $1.5M and $2.5M</p>'))",
]


def _notebook(folder: Path) -> Path:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": c,
                "outputs": [],
                "execution_count": None,
            }
            for c in CELLS
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = folder / "money.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer on {url}")


@pytest.fixture
def lab(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={tmp_path}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JUPYTER_CONFIG_DIR": str(tmp_path / ".cfg")}
    env.pop("SALESOPS_QUIET", None)
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(f"http://127.0.0.1:{port}/api/status?token={token}", 30)
        yield f"http://127.0.0.1:{port}", token, _notebook(tmp_path)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_money_is_not_maths_and_tiles_are_styled_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    base, token, nb = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1200})
        page.set_default_timeout(30_000)
        page.goto(f"{base}/lab/tree/{nb.name}?token={token}")
        page.wait_for_function("() => window.jupyterapp !== undefined", timeout=30_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=30_000)
        run_all = "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
        accept = page.locator(".jp-Dialog .jp-mod-accept")  # "Select Kernel", when it asks
        done = page.locator(".jp-OutputArea .money-control")
        end = time.monotonic() + 45
        try:
            asked = 0.0
            while not done.count():
                assert time.monotonic() < end, "the notebook's cells did not all run in 45 s"
                if accept.count() and accept.first.is_visible():
                    accept.first.click()
                    asked = 0.0
                running = "*" in "".join(page.locator(".jp-InputPrompt").all_inner_texts())
                if not running and time.monotonic() - asked > 4:  # (again) once the kernel is up
                    page.evaluate(run_all)
                    asked = time.monotonic()
                page.wait_for_timeout(250)
        finally:
            page.screenshot(path=str(nb.parent / "lab.png"))
        # the control's money is typeset: maths rendering is on in this JupyterLab
        page.wait_for_selector(".jp-OutputArea mjx-container", timeout=20_000)
        outputs = page.locator(".salesops-output")
        assert outputs.count() == 3
        maths = page.evaluate(
            "() => [...document.querySelectorAll('.salesops-output')]"
            ".map(o => o.querySelectorAll('mjx-container, .MathJax, .katex, math').length)"
        )
        assert maths == [0, 0, 0]
        text = " ".join(outputs.all_inner_texts())
        for money in ("$20.6M–$25.0M", "between $20.6M and $25.0M", "$75.2M", "−$31.4M"):
            assert money in text
        assert "between $20.6M and $25.0M." in text  # the sentence, spaces and all
        style = page.evaluate(
            "() => { const t = getComputedStyle(document.querySelector('.salesops-output .tiles'));"
            " const c = getComputedStyle(document.querySelector('.salesops-output .tile'));"
            " const n = getComputedStyle(document.querySelector('.salesops-output .note'));"
            " return [t.display, c.borderTopWidth, c.borderTopStyle, n.borderLeftWidth]; }"
        )
        assert style == ["flex", "1px", "solid", "4px"]
        tops = page.evaluate(
            "() => [...document.querySelectorAll('.salesops-output .tile')]"
            ".map(t => Math.round(t.getBoundingClientRect().top))"
        )
        assert len(tops) == 2 and tops[0] == tops[1]  # side by side, not a vertical list
        browser.close()
