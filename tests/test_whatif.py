"""The what-if controls: they redraw their section from the builder, show nothing in the
quarterly run, and answer a slider moved the way JupyterLab moves it, in a real kernel."""

from __future__ import annotations

import json
import os
import queue
import time

import pytest

from salesops_lib import load_dataset
from salesops_lib.render import QUIET_ENV, whatif
from salesops_lib.reports import comp_plan as cp
from salesops_lib.reports import quota_design as qd

from . import test_reports_comp_plan as tcp
from . import test_reports_quota_design as tqd
from .conftest import ROOT
from .test_comp import OPPS_TINY, QUOTAS_TINY, REPS_TINY
from .test_data import write

QUOTA_KW = {"quarter": "2025Q4", "target": 100_000, "method": "even", "overassign": 1.1}


@pytest.fixture(scope="module")
def quota_folder(tmp_path_factory):
    return write(
        tmp_path_factory.mktemp("wq"),
        reps=tqd.REPS,
        opportunities=tqd._opps(),
        accounts=tqd.ACCOUNTS,
    )


@pytest.fixture(scope="module")
def comp_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wc")
    return load_dataset(write(folder, reps=REPS_TINY, opportunities=OPPS_TINY, quotas=QUOTAS_TINY))


def _texts(w: whatif.WhatIf) -> str:
    return "\n".join(o["data"].get("text/html", "") for o in w.output.outputs)


def test_quota_controls_redraw_the_section_from_the_builder(quota_folder, monkeypatch):
    monkeypatch.delenv(QUIET_ENV, raising=False)
    data = load_dataset(quota_folder)
    r = qd.build(data, **QUOTA_KW)
    w = whatif.quota_controls(data, r, **QUOTA_KW)
    assert set(w.inputs) == {"growth", "use_plan", "overassign"}
    assert "target $100K × 1.10" in _texts(w)  # the report as built, first
    w.inputs["overassign"].value = 1.2
    again = qd.build(data, **{**QUOTA_KW, "overassign": 1.2})
    assert "target $100K × 1.20" in _texts(w) and "$120K" in again.use_sentence
    w.inputs["use_plan"].value = "reachable"
    assert "because this run sets use_plan to &quot;reachable&quot;" in _texts(w)


def test_comp_controls_weigh_a_tier_rate_and_show_a_refused_one_as_a_note(comp_data):
    r = cp.build(comp_data, quarter="2026Q3", config=tcp.CONFIG)
    w = whatif.comp_controls(comp_data, r, quarter="2026Q3", config=tcp.CONFIG)
    assert w is not None and w.inputs["tier"].value == 2 and w.inputs["rate"].value == 2.0
    w.inputs["rate"].value = 1.8
    # as in test_reports_comp_plan; only what changed is named
    assert "<b>$6.0K</b> less than the current plan (AE, " in _texts(w)
    assert "<b>AE, tier 2, rate 1.8</b> would have paid" in _texts(w)
    w.inputs["threshold"].value = 0.8
    assert "<b>AE, tier 2, rate 1.8, threshold 0.8</b> would have paid" in _texts(w)
    w.inputs["tier"].max = 3
    w.inputs["tier"].value = 3
    assert "plan change" in _texts(w) and "has tiers 1 to 2, not 3" in _texts(w)
    assert 'class="note"' in _texts(w)


def test_forecast_control_rebuilds_the_report_as_of_the_week(tmp_path, monkeypatch):
    from salesops_lib.reports import forecasting as fr

    from .test_reports_forecasting import salesforce_export

    monkeypatch.delenv(QUIET_ENV, raising=False)
    data = salesforce_export(tmp_path)
    r = fr.build(data, quarter="2026Q1", as_of="2026-02-20")
    w = whatif.forecast_controls(data, r, quarter="2026Q1")
    assert (w.inputs["week"].value, w.inputs["week"].max) == (7, 13)  # 50 days in; 90-day quarter
    w.inputs["week"].value = 2
    by_hand = fr.build(data, quarter="2026Q1", as_of="2026-01-15")  # 2026-01-01 + 14 days
    assert _texts(w) == "\n".join(h.data for h in whatif._forecast_shown(by_hand) if h.data)


def test_in_the_quarterly_run_nothing_is_built_or_shown(quota_folder, monkeypatch):
    data = load_dataset(quota_folder)
    r = qd.build(data, **QUOTA_KW)
    shown = []
    monkeypatch.setattr(whatif, "display", shown.append)

    def refuse(*args, **kwargs):
        raise AssertionError("a widget was built in the quarterly run")

    monkeypatch.setenv(QUIET_ENV, "1")
    for name in ("quota_controls", "forecast_controls", "comp_controls"):
        monkeypatch.setattr(whatif, name, refuse)
    assert whatif.quota(data, r, **QUOTA_KW) is None
    assert whatif.forecast(data, r) is None and whatif.comp(data, r) is None
    assert shown == []


# ---- a real kernel, driven as JupyterLab drives it -------------------------------------------

KERNEL_CODE = """
import json
from salesops_lib import load_dataset
from salesops_lib.reports import quota_design as qd
from salesops_lib.render import whatif
kw = {kw!r}
sales = load_dataset({folder!r})
w = whatif.quota_controls(sales, qd.build(sales, **kw), **kw)
print(json.dumps({{"slider": w.inputs["overassign"].model_id, "output": w.output.model_id}}))
"""
SHOWN = 'print(json.dumps([o["data"]["text/html"] for o in w.output.outputs]))'


def _run(kc, code: str, timeout: float = 60) -> str:
    """Execute ``code`` in the kernel; its stdout (an error fails the test)."""
    msg_id = kc.execute(code)
    out = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            raise AssertionError("\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(out)
    raise TimeoutError(code)


@pytest.mark.xdist_group("kernel")
def test_a_slider_moved_by_the_frontend_redraws_the_output_in_a_real_kernel(quota_folder):
    from jupyter_client.manager import KernelManager

    env = {k: v for k, v in os.environ.items() if k != QUIET_ENV} | {"PYTHONPATH": str(ROOT)}
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=env, cwd=str(quota_folder))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        ids = json.loads(_run(kc, KERNEL_CODE.format(kw=QUOTA_KW, folder=str(quota_folder))))
        before = json.loads(_run(kc, SHOWN))
        assert any("target $100K × 1.10" in h for h in before)
        # what JupyterLab's widget manager sends when the slider is let go at 1.2
        msg = kc.session.msg(
            "comm_msg",
            {
                "comm_id": ids["slider"],
                "data": {"method": "update", "state": {"value": 1.2}, "buffer_paths": []},
            },
        )
        kc.shell_channel.send(msg)
        # the kernel tells the frontend the Output's new outputs (its own comm)
        pushed = []
        end = time.monotonic() + 60
        while not pushed and time.monotonic() < end:
            try:
                m = kc.get_iopub_msg(timeout=5)
            except queue.Empty:
                continue
            c = m["content"]
            if m["msg_type"] == "comm_msg" and c.get("comm_id") == ids["output"]:
                state = c["data"].get("state", {})
                pushed += [o["data"]["text/html"] for o in state.get("outputs", ())]
        assert any("target $100K × 1.20" in h for h in pushed), pushed
        after = json.loads(_run(kc, SHOWN))
        assert after != before and any("target $100K × 1.20" in h for h in after)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
