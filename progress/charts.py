"""Plotly figures built on the server, the same look on every page.

A page builds a ``plotly.graph_objects.Figure`` with ``base_layout`` and passes
``figure_dict(fig)`` to the ``{% chart %}`` tag (core/templatetags/dx.py), which writes it as
JSON for static/js/charts.js. Titles and hover texts are translated here (gettext); month and
number formats follow the page's language through the plotly locale.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import get_language

# Colours that keep ≥ 4.5:1 against white (lines and markers also differ in dash and symbol).
INK = "#1d2433"
MUTED = "#5b6475"
BRAND = "#0b5cab"
GREEN = "#1a7f37"
AMBER = "#8a5300"
RED = "#b42318"
GRID = "#e4e8ef"
SEQUENCE = [BRAND, "#6f42c1", GREEN, AMBER, RED, "#0e7490", "#9d174d", MUTED]
FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif'


def is_chinese() -> bool:
    return not (get_language() or "zh-hans").lower().startswith("en")


def base_layout(*, x_title: str = "", y_title: str = "", height: int = 360) -> dict[str, Any]:
    return {
        "height": height,
        "margin": {"l": 56, "r": 24, "t": 24, "b": 48},
        "font": {"family": FONT, "size": 13, "color": INK},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "colorway": SEQUENCE,
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "xaxis": {"title": {"text": x_title}, "gridcolor": GRID, "zeroline": False},
        "yaxis": {
            "title": {"text": y_title},
            "gridcolor": GRID,
            "zeroline": True,
            "zerolinecolor": GRID,
            "separatethousands": True,
            "rangemode": "tozero",
        },
        "separators": ".,",
    }


def figure_dict(figure: go.Figure) -> dict[str, Any]:
    """The figure as plain JSON data (what plotly.js takes)."""
    data: dict[str, Any] = json.loads(figure.to_json())
    return {"data": data.get("data", []), "layout": data.get("layout", {})}


def figure(*, data: list[dict[str, Any]], layout: dict[str, Any]) -> dict[str, Any]:
    """A figure of plain traces and layout, as JSON data for the ``{% chart %}`` tag: what
    plotly.py's ``to_json`` writes (its default template included), without building a
    ``go.Figure``, which deep-copies and checks every property and was a fifth of a park
    page's time. Where ``DX_VALIDATE_CHARTS`` is on (development and tests) the figure is also
    built by plotly, which refuses a property it does not know, and the two must agree."""
    plain = {"data": _plain(data), "layout": {**_plain(layout), "template": _template()}}
    if getattr(settings, "DX_VALIDATE_CHARTS", settings.DEBUG):
        checked = figure_dict(go.Figure(data=data, layout=layout))
        if checked != plain:
            raise ValueError(f"the chart's JSON differs from plotly's: {plain} != {checked}")
    return plain


def _plain(value: Any) -> Any:
    """JSON data as plotly writes it: decimals as numbers, dates as ISO text, lazy
    translations as text."""
    return json.loads(json.dumps(value, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


@functools.cache
def _template() -> dict[str, Any]:
    """plotly.py's default template (what ``to_json`` puts in every layout), read once."""
    layout = json.loads(go.Figure().to_json()).get("layout", {})
    template: dict[str, Any] = layout.get("template", {})
    return template
