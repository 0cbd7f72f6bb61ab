"""Tables sorted by a column named in the URL (``?sort=name`` or ``?sort=-name``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Sort:
    key: str  # the column key, as in the URL
    descending: bool
    ordering: tuple[str, ...]  # for QuerySet.order_by, or a key for sorting in Python

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key


def sort_from(request: HttpRequest, columns: dict[str, tuple[str, ...]], default: str) -> Sort:
    """The sort the URL asks for among ``columns`` (key → fields); ``default`` otherwise
    (a leading "-" means descending). Unknown keys fall back to the default."""
    wanted = request.GET.get("sort") or default
    key = wanted.lstrip("-")
    if key not in columns:
        wanted, key = default, default.lstrip("-")
    descending = wanted.startswith("-")
    fields = columns[key]
    ordering = tuple(
        (field[1:] if field.startswith("-") else f"-{field}") if descending else field
        for field in fields
    )
    return Sort(key=key, descending=descending, ordering=ordering)
