"""What-if controls for JupyterLab: sliders and dropdowns that recompute a report section live.

Each report notebook of 03–05 adds one line after its section, e.g.::

    whatif.quota(sales, r, quarter=quarter, as_of=as_of, team=team, target=target, ...)

In JupyterLab this shows the controls and, below them, an :class:`ipywidgets.Output` with
the section's sentence and table. Moving a control calls the builder with the new value
(``week`` for 03; ``growth``, ``use_plan`` and ``overassign`` for 04; one tier's rate and
the threshold of a current plan for 05) and redraws the output; a value the builder refuses
shows its message instead.

In the quarterly run (:data:`~salesops_lib.render.QUIET_ENV` set to ``1`` in its kernels)
the functions show nothing and create no widget at all, so the rendered HTML keeps the
default, static page, with no widget state or script in it.

``forecast_controls``, ``quota_controls`` and ``comp_controls`` build the controls without
showing them (an analyst's own cell, or a test, can drive :attr:`WhatIf.inputs`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from IPython.display import HTML, display

from salesops_lib.analysis import quota as quota_analysis
from salesops_lib.data import SalesData
from salesops_lib.errors import ConfigError, SalesOpsDataError
from salesops_lib.render import QUIET_ENV, page
from salesops_lib.reports import comp_plan, forecasting, quota_design

Draw = Callable[..., list[HTML]]
"""Recompute a section from the controls' values: the outputs to show."""


@dataclass(frozen=True)
class WhatIf:
    """A section's what-if controls: the box shown, its inputs by parameter, its output.

    Attributes
    ----------
    box
        What the notebook shows: the controls above the output.
    inputs
        The controls by the builder parameter each sets (``week``, ``growth`` ...).
    output
        The redrawn section (its ``outputs`` hold the sentences and table shown).
    draw
        Recomputes the section from the inputs' values (called on every change).
    """

    box: widgets.VBox
    inputs: dict[str, widgets.ValueWidget]
    output: widgets.Output
    draw: Draw

    def redraw(self, _change: object = None) -> None:
        """Recompute the section with the inputs' values and show it in :attr:`output`.

        Parameters
        ----------
        _change
            The change a control reports (unused: every input's value is read).
        """
        values = {k: w.value for k, w in self.inputs.items()}
        try:
            shown = self.draw(**values)
        except (ConfigError, SalesOpsDataError) as exc:
            shown = [page.note(str(exc))]
        self.output.outputs = ()
        for item in shown:
            if item.data:
                self.output.append_display_data(item)


def quiet() -> bool:
    """Whether this kernel belongs to the quarterly run (the controls show nothing there).

    Returns
    -------
    bool
        True when :data:`~salesops_lib.render.QUIET_ENV` is ``1``.
    """
    return os.environ.get(QUIET_ENV) == "1"


def _what_if(
    title: str, inputs: dict[str, widgets.ValueWidget], draw: Draw, first: list[HTML]
) -> WhatIf:
    """The box: a title, the inputs, the output showing ``first``; every input redraws it."""
    out = widgets.Output()
    w = WhatIf(
        widgets.VBox([widgets.HTML(f"<b>{title}</b>"), *inputs.values(), out]), inputs, out, draw
    )
    for item in first:
        if item.data:
            out.append_display_data(item)
    for control in inputs.values():
        control.observe(w.redraw, names="value")
    return w


def _show(make: Callable[[], WhatIf | None]) -> None:
    """Show the controls ``make`` builds, except in the quarterly run (nothing built there)."""
    if quiet():
        return
    w = make()
    if w is not None:
        display(w.box)


# ---------------------------------------------------------------------------------------
# 03 forecasting: the week of the quarter


def _forecast_shown(r: forecasting.Forecasting | forecasting.ForecastView) -> list[HTML]:
    return [
        page.tiles(r.tiles),
        page.say(r.recommendation_sentence),
        page.say(r.range_sentence),
        page.table(r.forecast_table),
    ]


def forecast_controls(
    data: SalesData,
    r: forecasting.Forecasting,
    *,
    quarter: str | None = None,
    team: str | None = None,
    backtest_quarters: int = 8,
) -> WhatIf:
    """Report 03's control: the week of the quarter the forecast is made in.

    Parameters
    ----------
    data
        The data set the report was built on.
    r
        The report as built (:func:`~salesops_lib.reports.forecasting.build`): shown first,
        and its as-of date sets the slider's start.
    quarter, team, backtest_quarters
        As given to the builder.

    Returns
    -------
    WhatIf
        A ``week`` slider from 0 to the quarter's weeks; each change shows the tiles,
        recommendation, range and forecast table as of that week
        (:func:`~salesops_lib.reports.forecasting.forecast_view`: what the report would show,
        without rebuilding its other sections).
    """
    start, end = r.period.start, r.period.end
    weeks = -(-((end - start).days + 1) // 7)
    week = widgets.IntSlider(
        value=min((r.period.as_of - start).days // 7, weeks),
        min=0,
        max=weeks,
        description="Week",
        continuous_update=False,
    )

    def draw(week: int) -> list[HTML]:
        return _forecast_shown(
            forecasting.forecast_view(
                data, quarter=quarter, team=team, backtest_quarters=backtest_quarters, week=week
            )
        )

    return _what_if(
        f"What if: the forecast as of another week of {r.period.quarter}",
        {"week": week},
        draw,
        _forecast_shown(r),
    )


def forecast(data: SalesData, r: forecasting.Forecasting, **params: Any) -> None:
    """Show report 03's what-if control (nothing in the quarterly run).

    Parameters
    ----------
    data, r
        As for :func:`forecast_controls`.
    **params
        ``quarter``, ``team``, ``backtest_quarters``, as given to the builder.
    """
    _show(lambda: forecast_controls(data, r, **params))


# ---------------------------------------------------------------------------------------
# 04 quota design: growth, which plan the letters use, over-assignment


def _quota_shown(r: quota_design.QuotaDesign) -> list[HTML]:
    return [page.say(r.use_sentence), page.table_if(r.plans), page.say(r.choice_sentence)]


def quota_controls(data: SalesData, r: quota_design.QuotaDesign, **params: Any) -> WhatIf:
    """Report 04's controls: growth over the forecast, the plan the letters use, over-assignment.

    Parameters
    ----------
    data
        The data set the report was built on.
    r
        The report as built (:func:`~salesops_lib.reports.quota_design.build`): shown first,
        and its parameters set the controls' start.
    **params
        The builder's other parameters (``quarter, as_of, team, target, method, ramp``);
        ``growth``, ``use_plan`` and ``overassign`` come from the controls.

    Returns
    -------
    WhatIf
        Each change rebuilds the report and shows which plan the letters use, the plan as
        asked beside the reachable one, and the recommendation.
    """
    fixed = {k: v for k, v in params.items() if k not in ("growth", "use_plan", "overassign")}
    inputs: dict[str, widgets.ValueWidget] = {
        "growth": widgets.FloatSlider(
            value=float(params.get("growth", 0.0)),
            min=-0.5,
            max=1.0,
            step=0.01,
            description="Growth",
            readout_format=".0%",
            continuous_update=False,
        ),
        "use_plan": widgets.Dropdown(
            options=list(quota_analysis.USE_PLANS), value=r.use_plan, description="Letters use"
        ),
        "overassign": widgets.FloatSlider(
            value=float(r.overassign),
            min=1.0,
            max=1.5,
            step=0.01,
            description="Over-assign",
            continuous_update=False,
        ),
    }

    def draw(**values: Any) -> list[HTML]:
        return _quota_shown(quota_design.build(data, **fixed, **values))

    return _what_if(
        f"What if: another growth rate, plan or over-assignment for {r.plan.label}",
        inputs,
        draw,
        _quota_shown(r),
    )


def quota(data: SalesData, r: quota_design.QuotaDesign, **params: Any) -> None:
    """Show report 04's what-if controls (nothing in the quarterly run).

    Parameters
    ----------
    data, r, **params
        As for :func:`quota_controls`.
    """
    _show(lambda: quota_controls(data, r, **params))


# ---------------------------------------------------------------------------------------
# 05 comp plan: one tier's rate and the threshold of a current plan


def comp_controls(
    data: SalesData,
    r: comp_plan.CompPlanEvaluation,
    *,
    quarter: str | None = None,
    as_of: object | None = None,
    team: str | None = None,
    config: Mapping[str, Any] | None = None,
) -> WhatIf | None:
    """Report 05's controls: a current plan, one of its tiers' rate, and its threshold.

    Parameters
    ----------
    data
        The data set the report was built on.
    r
        The report as built (:func:`~salesops_lib.reports.comp_plan.build`): its current
        plans set the choices.
    quarter, as_of, team, config
        As given to the builder.

    Returns
    -------
    WhatIf or None
        Each change weighs the changed plan against the current one
        (:func:`~salesops_lib.reports.comp_plan.weigh_candidates`) and shows the table and
        the sentence; None without a current plan.
    """
    if not r.current:
        return None
    plan = r.current[0]
    tier = len(plan.tiers)
    inputs: dict[str, widgets.ValueWidget] = {
        "plan": widgets.Dropdown(options=[p.name for p in r.current], description="Plan"),
        "tier": widgets.IntSlider(
            value=tier, min=1, max=max(len(p.tiers) for p in r.current), description="Tier"
        ),
        "rate": widgets.FloatSlider(
            value=plan.tiers[-1].rate,
            min=0.0,
            max=5.0,
            step=0.05,
            description="Tier rate",
            continuous_update=False,
        ),
        "threshold": widgets.FloatSlider(
            value=plan.threshold or 0.0,
            min=0.0,
            max=1.5,
            step=0.05,
            description="Threshold",
            readout_format=".0%",
            continuous_update=False,
        ),
    }

    def draw(plan: str, tier: int, rate: float, threshold: float) -> list[HTML]:
        spec: dict[str, Any] = {"plan": plan, "tier": tier, "rate": rate}
        base = next(p for p in r.current if p.name == plan)
        if abs(threshold - (base.threshold or 0.0)) > 1e-9:  # only a changed threshold is named
            spec["threshold"] = threshold
        w = comp_plan.weigh_candidates(
            data, quarter=quarter, as_of=as_of, team=team, config=config, candidates=[spec]
        )
        return [page.table_if(w["candidates"]), *map(page.say, w["candidate_sentences"])]

    first = [page.say("Move a control to weigh the changed plan against the current one.")]
    return _what_if("What if: another tier rate or threshold", inputs, draw, first)


def comp(data: SalesData, r: comp_plan.CompPlanEvaluation, **params: Any) -> None:
    """Show report 05's what-if controls (nothing in the quarterly run, or without a plan).

    Parameters
    ----------
    data, r
        As for :func:`comp_controls`.
    **params
        ``quarter, as_of, team, config``, as given to the builder.
    """
    _show(lambda: comp_controls(data, r, **params))
