"""Plotly figures built on the server, the same look on every page.

A page builds a ``plotly.graph_objects.Figure`` with ``base_layout`` and passes
``figure_dict(fig)`` to the ``{% chart %}`` tag (core/templatetags/dx.py), which writes it as
JSON for static/js/charts.js. Titles and hover texts are translated here (gettext); month and
number formats follow the page's language through the plotly locale.
"""

from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go
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
