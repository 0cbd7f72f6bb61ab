"""Pages of long tables: every list says how long it is and where the reader is."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

T = TypeVar("T")
PAGE_SIZE = 50


def page_of(
    request: HttpRequest, queryset: QuerySet[Any], *, per_page: int = PAGE_SIZE
) -> Page[Any]:
    """The page the URL asks for (``?page=N``; out of range: the nearest one)."""
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def page_query(request: HttpRequest, number: int) -> str:
    """The current URL's query with another page number (filters and sort kept)."""
    params = request.GET.copy()
    params["page"] = str(number)
    return params.urlencode()
