"""Template helpers shared by every page."""

from __future__ import annotations

from typing import Any

from django import template

from core.pagination import page_query as _page_query

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context: dict[str, Any], number: int) -> str:
    return _page_query(context["request"], number)
