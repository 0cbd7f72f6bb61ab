"""``{% table_download "name" key=value ... %}``: the "Download as Excel" and CSV links of a
page's table, with the page's current query (its filters and sort, without its paging) and
the table's own keys (``target=``, ``scope=``, ``uscc=``). Shown only to users who may
download it: those whose role may export (``policies.can_export``) and open the page."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from core import policies

from ..tables import SOURCES, params_clean

register = template.Library()


@register.inclusion_tag("exchange/_download.html", takes_context=True)
def table_download(
    context: template.Context, name: str, described_by: str = "", **keys: Any
) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    source = SOURCES.get(name)
    if request is None or user is None or source is None:
        return {"show": False}
    if not (policies.can_export(user) and source.allowed(user)):
        return {"show": False}
    params = params_clean(request.GET)
    for key, value in keys.items():
        if value not in (None, ""):
            params[key] = str(value)
    query = params.urlencode()
    suffix = f"?{query}" if query else ""
    return {
        "show": True,
        "name": name,
        "described_by": described_by,
        "xlsx": reverse("exchange:table-xlsx", args=[name]) + suffix,
        "csv": reverse("exchange:table-csv", args=[name]) + suffix,
    }
