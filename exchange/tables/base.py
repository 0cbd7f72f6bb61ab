"""The registry of downloadable tables and what every table source shares.

A source is ``name → build(user, params, language) → Table``: the page's own functions
read the page's query (``params``, a QueryDict as the page's URL carries it) through a
request made for them (``page_request``), so that the download has exactly the page's rows,
filters, sort and access rules. Building checks the access itself, as the page does: the
role (``Source.allowed``, the page's ``core.views.require`` predicate, and
``policies.can_export``), then the rows (a district, park, target or enterprise the user
may not see answers 404 from the page's own lookups).

A ``Table`` knows its length before its rows are read (one COUNT, or the page's own figures),
so that the view can choose between answering the file at once and the background job; its
rows are an iterator read in chunks (``batched``), a few set-based queries per chunk, never
one per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, QueryDict
from django.utils import translation
from django.utils.translation import gettext as _

from core import policies
from core.sorting import Sort
from targets.periods import period_format

from ..workbook.writer import Column

T = TypeVar("T")

CHUNK = 1000  # rows completed together (a few queries each)
# Pages' own paging parameters: a download has every row.
PAGING = frozenset({"page", "bpage", "epage", "npage", "dpage"})
PARAMS_MAX = 40  # parameters kept (a query is short; anything longer is not a page's)


@dataclass
class Table:
    """One page's table, ready to write: ``rows`` is read once, in order."""

    name: str  # the source's name
    title: str  # the sheet's name: short (Excel keeps 31 characters)
    heading: str  # what the table is, in a sentence of the About sheet
    columns: list[Column]
    rows: Iterable[Sequence[Any]]
    count: int
    filename: str  # without the extension: "review-queue-2026Q3"
    page: str = ""  # the page's URL with its query (About)
    filters: list[tuple[str, str]] = field(default_factory=list)
    period: int | None = None
    scope: str = ""
    language: str = ""
    weight: int = 1  # the source's cost of a row, in plain rows (``Source.weight``)

    @property
    def cost(self) -> int:
        """What the table costs to write, in plain rows: compared with
        ``DX_SYNC_DOWNLOAD_MAX_ROWS`` to choose between now and the background."""
        return self.count * self.weight


Build = Callable[[Any, QueryDict, str], Table]


@dataclass(frozen=True)
class Source:
    name: str
    build: Build
    allowed: Callable[[policies.Actor], bool]
    # How many plain rows one of its rows costs to write: the review queue's rows carry
    # their outlier flags (about 0.8 ms a row at national scale, against 0.04 ms for a row
    # of the report list), so fewer of them are written at once.
    weight: int = 1


SOURCES: dict[str, Source] = {}


def table_source(
    name: str, *, allowed: Callable[[policies.Actor], bool], weight: int = 1
) -> Callable[[Build], Build]:
    """Registers ``build`` as the source of the table ``name``; ``allowed``: the page's
    role predicate; ``weight``: a row's cost in plain rows."""

    def register(build: Build) -> Build:
        if name in SOURCES:  # pragma: no cover - a programming error
            raise ValueError(f"Two tables are named {name}.")
        SOURCES[name] = Source(name=name, build=build, allowed=allowed, weight=weight)
        return build

    return register


def table_build(name: str, *, user: Any, params: QueryDict, language: str) -> Table:
    """The table ``name`` as ``user`` sees it on its page with the query ``params``, its
    headers and words in ``language``. Http404 for an unknown table or rows the user may
    not see; PermissionDenied for a role that may not open the page or download."""
    source = SOURCES.get(name)
    if source is None:
        raise Http404
    if not policies.can_export(user):
        raise PermissionDenied(_("Your role may not download tables."))
    if not source.allowed(user):
        raise PermissionDenied(_("Your role may not open this page."))
    with translation.override(language):
        table = source.build(user, params, language)
    table.language = language
    table.weight = source.weight
    return table


def params_clean(query: QueryDict) -> QueryDict:
    """The page's query without its paging (a download has every row)."""
    kept = QueryDict(mutable=True)
    for key, values in list(query.lists())[:PARAMS_MAX]:
        if key not in PAGING:
            kept.setlist(key, [value[:200] for value in values[:10]])
    return kept


def params_json(query: QueryDict) -> dict[str, list[str]]:
    return {key: list(values) for key, values in query.lists()}


def params_from_json(data: dict[str, list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in (data or {}).items():
        query.setlist(str(key), [str(value) for value in values])
    return query


def page_request(user: Any, params: QueryDict, language: str) -> HttpRequest:
    """A GET request for the page's own functions (they read ``GET`` and ``user``)."""
    request = HttpRequest()
    request.method = "GET"
    request.GET = params
    request.user = user
    request.LANGUAGE_CODE = language
    return request


def page_url(path: str, params: QueryDict, *, drop: Iterable[str] = ()) -> str:
    kept = params.copy()
    for name in drop:
        kept.pop(name, None)
    query = kept.urlencode()
    return f"{path}?{query}" if query else path


def batched(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_stem(*parts: object) -> str:
    """A file name of ASCII letters, digits, dots and dashes: ``review-queue-2026Q3``,
    ``scope-enterprises-2026Q3-park-BP010``."""
    words = [_UNSAFE.sub("-", str(part)).strip("-") for part in parts if part not in (None, "")]
    return "-".join(word for word in words if word)[:150] or "table"


def quarter_words(period: int | None) -> str:
    return period_format(period) if period is not None else ""


def sort_words(sort: Sort, labels: dict[str, str]) -> str:
    """ "Submitted at, ascending"."""
    label = labels.get(sort.key, sort.key)
    return (_("%(column)s, descending") if sort.descending else _("%(column)s, ascending")) % {
        "column": label
    }


def yes(value: object) -> str | None:
    """Yes for true, nothing for false: flags in a column people filter on."""
    return _("Yes") if value else None


def yes_no(value: object) -> str:
    return _("Yes") if value else _("No")
