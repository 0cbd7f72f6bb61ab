"""Template helpers shared by every page: numbers and quarters as users read them, status
labels with an icon (never colour alone), charts drawn from server-built figures."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString

from core.pagination import page_query as _page_query
from core.sorting import Sort

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context: dict[str, Any], number: int) -> str:
    return str(_page_query(context["request"], number))


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current URL's query with some parameters changed (and the page reset)."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    for name, value in changes.items():
        if value in (None, ""):
            params.pop(name, None)
        else:
            params[name] = str(value)
    return str(params.urlencode())


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _grouped(number: Decimal, places: int) -> str:
    text = f"{number:,.{places}f}"
    if places and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@register.filter
def num(value: Any, places: int = 2) -> str:
    """A figure as people write it: 10, 24.96, 1,234.5 — never 10.00 beside a 10; "—" for
    none. At most ``places`` decimals, trailing zeros dropped."""
    number = _decimal(value)
    if number is None:
        return "—"
    return _grouped(number, int(places))


@register.filter
def pct(value: Any) -> str:
    """A percentage with one decimal and its sign: 45.0%."""
    number = _decimal(value)
    if number is None:
        return "—"
    return f"{number:,.1f}%"


@register.filter
def quarter(value: Any) -> str:
    """A quarter number (2024 × 4 + 0) as 2024Q1."""
    if value in (None, ""):
        return "—"
    index = int(value)
    return f"{index // 4}Q{index % 4 + 1}"


@register.simple_tag
def chart(chart_id: str, figure: dict[str, Any], label: str, size: str = "") -> SafeString:
    """A chart's box and its figure as JSON, drawn by static/js/charts.js (no inline script
    or style, for a strict Content-Security-Policy). ``size``: "", "small" or "tall"."""
    data = json_script(figure, f"{chart_id}-figure").replace(
        "<script ", f'<script data-chart="{chart_id}" ', 1
    )
    box = format_html(
        '<div id="{}" class="chart {}" role="img" aria-label="{}"></div>', chart_id, size, label
    )
    return SafeString(box + data)


@register.simple_tag(takes_context=True)
def sort_header(context: dict[str, Any], key: str, label: str, numeric: bool = False) -> SafeString:
    """A table header that sorts by ``key`` (``sort`` in the context is the current Sort):
    a link that flips the direction, and aria-sort for screen readers."""
    current: Sort | None = context.get("sort")
    params = context["request"].GET.copy()
    params.pop("page", None)
    active = current is not None and current.key == key
    descending = current is not None and active and current.descending
    params["sort"] = key if descending or not active else f"-{key}"
    state = ("descending" if descending else "ascending") if active else "none"
    return format_html(
        '<th scope="col" aria-sort="{}"{}><a class="sort" href="?{}">{}</a></th>',
        state,
        SafeString(' class="num"') if numeric else "",
        params.urlencode(),
        label,
    )
