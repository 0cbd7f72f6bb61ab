"""The one rule set for a quarterly report, used by the API, the browser form and imports.

``report_validate`` checks everything and raises one ``ValidationError`` whose dict holds a
message per field ("period", "metrics.<code>", "metrics", "items[<i>].<field>"), so nothing
is saved half-way and every client shows the same wording.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from targets.models import ItemKind, Metric
from targets.periods import REPORTS_FIRST_PERIOD, last_ended_period, period_end, period_format

from .normalise import identifier_normalise

# The MetricValue column: DecimalField(max_digits=20, decimal_places=4).
DECIMAL_PLACES = 4
INTEGER_DIGITS = 16
_QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)
# Plain decimal notation with ASCII digits only (after NFKC), e.g. "-12", "3.5", ".25".
_NUMBER_RE = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}
# "files" (the ids of the item's evidence files, as the report's JSON lists them) says which
# files stay with the item when the report is edited; it is not stored in the item.
ITEM_FIELDS = ("kind", "identifier", "title", "date", "attributes", "evidence_url", "files")
IDENTIFIER_MAX = 200
TITLE_MAX = 300
# The one cap on items per report (the form, the API and imports alike).
ITEMS_MAX = 500


@dataclass(frozen=True)
class CleanItem:
    kind: str
    identifier: str
    identifier_key: str
    title: str
    date: dt.date
    attributes: dict[str, str] = field(default_factory=dict)
    evidence_url: str = ""
    # The ids of the evidence files the item names (None: it names none, they follow it).
    files: tuple[int, ...] | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "identifier": self.identifier,
            "title": self.title,
            "date": self.date.isoformat(),
            "attributes": dict(self.attributes),
        }
        if self.evidence_url:
            data["evidence_url"] = self.evidence_url
        return data


@dataclass(frozen=True)
class CleanReport:
    """A valid report: metric values as Decimals keyed by code (booleans as 1/0)."""

    enterprise: Enterprise
    period: int
    metrics: dict[str, Decimal]
    items: list[CleanItem]
    metric_types: dict[str, str] = field(default_factory=dict)
    # Catalogue ids of the codes used, so that writing the rows needs no more queries.
    metric_ids: dict[str, int] = field(default_factory=dict)
    item_kind_ids: dict[str, int] = field(default_factory=dict)

    def metrics_json(self) -> dict[str, Any]:
        return {
            code: metric_to_json(value, self.metric_types.get(code, ""))
            for code, value in self.metrics.items()
        }

    def items_json(self) -> list[dict[str, Any]]:
        return [item.as_json() for item in self.items]


def metric_to_json(value: Decimal, metric_type: str) -> Any:
    """How Submission.metrics_data stores a value: flags as JSON booleans, numbers as
    canonical decimal strings ("12", "3.5") so no precision is lost to floats."""
    if metric_type == Metric.Type.BOOLEAN:
        return bool(value)
    return decimal_text(value)


def decimal_text(value: Decimal) -> str:
    text = format(value.quantize(_QUANTUM), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def metric_from_json(value: Any, metric_type: str) -> Decimal | bool | int:
    """A stored metrics_data value typed for display: bool, int or Decimal."""
    if metric_type == Metric.Type.BOOLEAN:
        return value in (True, "true", "True", "1", 1)
    number = Decimal(str(value))
    if metric_type in (Metric.Type.INTEGER, Metric.Type.LEVEL):
        return int(number)
    return number


@dataclass(frozen=True)
class ReportCatalogue:
    """What a report is checked against: the catalogue's metrics and item kinds by code."""

    metrics: dict[str, Metric]
    item_kinds: dict[str, ItemKind]


def report_catalogue() -> ReportCatalogue:
    return ReportCatalogue(
        metrics={m.code: m for m in Metric.objects.all()},
        item_kinds={k.code: k for k in ItemKind.objects.all()},
    )


def report_validate(
    *,
    enterprise: Enterprise,
    period: int,
    metrics: dict[str, Any],
    items: list[dict[str, Any]],
    today: dt.date | None = None,
    catalogue: ReportCatalogue | None = None,
) -> CleanReport:
    """``catalogue`` (default: read now) lets a caller that checks many reports in a row
    read the catalogue once."""
    errors: dict[str, list[str]] = {}
    _period_check(period, today, errors)
    read = catalogue or report_catalogue()
    catalogue_metrics, kinds = read.metrics, read.item_kinds
    clean_metrics = _metrics_clean(metrics, catalogue_metrics, errors)
    clean_items = _items_clean(items, kinds, period, errors)
    if errors:
        raise ValidationError(errors)
    return CleanReport(
        enterprise=enterprise,
        period=period,
        metrics=clean_metrics,
        items=clean_items,
        metric_types={code: catalogue_metrics[code].type for code in clean_metrics},
        metric_ids={code: catalogue_metrics[code].pk for code in clean_metrics},
        item_kind_ids={code: kind.pk for code, kind in kinds.items()},
    )


# --- period -----------------------------------------------------------------------------


def _period_check(period: int, today: dt.date | None, errors: dict[str, list[str]]) -> None:
    last = last_ended_period(today)
    if period < REPORTS_FIRST_PERIOD:
        errors["period"] = [
            _("Reports start in %(first)s; %(period)s cannot be reported.")
            % {"first": period_format(REPORTS_FIRST_PERIOD), "period": period_format(period)}
        ]
    elif period > last:
        errors["period"] = [
            _(
                "The quarter %(period)s has not ended yet; its report opens on the day after "
                "it ends (the latest quarter you can report is %(last)s)."
            )
            % {"period": period_format(period), "last": period_format(last)}
        ]


# --- metrics ----------------------------------------------------------------------------


def _metrics_clean(
    metrics: Any, catalogue: dict[str, Metric], errors: dict[str, list[str]]
) -> dict[str, Decimal]:
    if not isinstance(metrics, dict):
        errors["metrics"] = [_("Metric values must be an object of {code: value}.")]
        return {}
    unknown = sorted(str(code) for code in metrics if code not in catalogue)
    if unknown:
        errors["metrics"] = [
            _("Unknown metric code(s): %(codes)s.") % {"codes": ", ".join(unknown)}
        ]
    clean: dict[str, Decimal] = {}
    for code, raw in metrics.items():
        metric = catalogue.get(code)
        if metric is None or _is_blank(raw):
            continue
        try:
            clean[code] = metric_value_clean(metric, raw)
        except ValidationError as error:
            errors[f"metrics.{code}"] = list(error.messages)
    return clean


def _is_blank(raw: Any) -> bool:
    """An empty form field means "not reported", not zero."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def metric_value_clean(metric: Metric, raw: Any) -> Decimal:
    """One metric value as a Decimal (flags 1/0), or ValidationError naming the metric."""
    if metric.type == Metric.Type.BOOLEAN:
        return _boolean_clean(metric, raw)
    value = number_parse(raw, label=metric.name)
    if (
        metric.type in (Metric.Type.INTEGER, Metric.Type.LEVEL)
        and value != value.to_integral_value()
    ):
        raise ValidationError(_("%(name)s: enter a whole number.") % {"name": metric.name})
    low, high = _bounds(metric)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValidationError(_range_message(metric, low, high))
    return value


def _bounds(metric: Metric) -> tuple[Decimal | None, Decimal | None]:
    low, high = metric.min_value, metric.max_value
    if metric.type == Metric.Type.LEVEL:
        low = Decimal(0) if low is None else max(low, Decimal(0))
        high = Decimal(5) if high is None else min(high, Decimal(5))
    return low, high


def _range_message(metric: Metric, low: Decimal | None, high: Decimal | None) -> str:
    params = {
        "name": metric.name,
        "min": decimal_text(low) if low is not None else "",
        "max": decimal_text(high) if high is not None else "",
    }
    if low is not None and high is not None:
        return _("%(name)s: enter a value from %(min)s to %(max)s.") % params
    if low is not None:
        return _("%(name)s: enter a value of at least %(min)s.") % params
    return _("%(name)s: enter a value of at most %(max)s.") % params


def _boolean_clean(metric: Metric, raw: Any) -> Decimal:
    if isinstance(raw, bool):
        return Decimal(int(raw))
    if isinstance(raw, int) and raw in (0, 1):
        return Decimal(raw)
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().lower()
        if text in _TRUE:
            return Decimal(1)
        if text in _FALSE:
            return Decimal(0)
    raise ValidationError(_("%(name)s: answer yes (true) or no (false).") % {"name": metric.name})


def number_parse(raw: Any, *, label: str) -> Decimal:
    """A number from JSON or a form: int, finite float, Decimal, or a plain decimal string.

    Full-width digits are folded by NFKC first (docs/decisions/0004-number-input.md); other
    non-ASCII digits, exponents, NaN and Infinity are refused; at most 4 decimals and 16
    integer digits fit the column.
    """
    if isinstance(raw, bool):
        raise ValidationError(_("%(name)s: enter a number, not true/false.") % {"name": label})
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValidationError(_("%(name)s: enter a finite number.") % {"name": label})
        value = Decimal(repr(raw))
    elif isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, str):
        value = _number_text_parse(raw, label)
    else:
        raise ValidationError(_("%(name)s: enter a number.") % {"name": label})
    if not value.is_finite():
        raise ValidationError(_("%(name)s: enter a finite number.") % {"name": label})
    return _fits_column(value, label)


def _number_text_parse(raw: str, label: str) -> Decimal:
    text = unicodedata.normalize("NFKC", raw).strip()
    if not _NUMBER_RE.match(text):
        if text.lower().lstrip("+-") in {"nan", "inf", "infinity"}:
            raise ValidationError(_("%(name)s: enter a finite number.") % {"name": label})
        if any(char.isdigit() and not char.isascii() for char in text):
            raise ValidationError(_("%(name)s: use the digits 0-9 only.") % {"name": label})
        raise ValidationError(
            _("%(name)s: “%(value)s” is not a number.") % {"name": label, "value": raw[:40]}
        )
    try:
        return Decimal(text)
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
        raise ValidationError(_("%(name)s: enter a number.") % {"name": label}) from error


def _fits_column(value: Decimal, label: str) -> Decimal:
    if abs(value) >= Decimal(10) ** INTEGER_DIGITS:
        raise ValidationError(_("%(name)s: the number is too large.") % {"name": label})
    if value != value.quantize(_QUANTUM):
        raise ValidationError(
            _("%(name)s: enter at most %(places)d decimal places.")
            % {"name": label, "places": DECIMAL_PLACES}
        )
    return value


# --- items ------------------------------------------------------------------------------


def _items_clean(
    items: Any, kinds: dict[str, ItemKind], period: int, errors: dict[str, list[str]]
) -> list[CleanItem]:
    if not isinstance(items, list):
        errors["items"] = [_("Items must be a list.")]
        return []
    if len(items) > ITEMS_MAX:
        errors["items"] = [
            _("A report holds at most %(max)d items; this one has %(n)d.")
            % {"max": ITEMS_MAX, "n": len(items)}
        ]
        return []
    clean: list[CleanItem] = []
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(items):
        item_errors: dict[str, list[str]] = {}
        item = _item_clean(index, row, kinds, period, item_errors)
        if item is not None and not item_errors:
            key = (item.kind, item.identifier_key)
            if key in seen:
                item_errors[f"items[{index}].identifier"] = [
                    _("Item %(n)d repeats item %(first)d (same kind and identifier).")
                    % {"n": index + 1, "first": seen[key] + 1}
                ]
            else:
                seen[key] = index
                clean.append(item)
        errors.update(item_errors)
    return clean


def _item_clean(
    index: int, row: Any, kinds: dict[str, ItemKind], period: int, errors: dict[str, list[str]]
) -> CleanItem | None:
    prefix = f"items[{index}]"
    if not isinstance(row, dict):
        errors[prefix] = [_("Item %(n)d must be an object.") % {"n": index + 1}]
        return None
    for name in row:
        if name not in ITEM_FIELDS:
            errors[f"{prefix}.{name}"] = [
                _("Item %(n)d: unknown field “%(field)s”.") % {"n": index + 1, "field": name}
            ]
    kind = _item_kind(index, row.get("kind"), kinds, errors)
    identifier, key = _item_identifier(index, row.get("identifier"), kind, errors)
    title = _item_title(index, row.get("title"), errors)
    date = _item_date(index, row.get("date"), period, errors)
    attributes = _item_attributes(index, row.get("attributes"), kind, errors)
    evidence_url = _item_evidence_url(index, row.get("evidence_url"), errors)
    files = _item_files(index, row.get("files"), errors)
    if kind is None or date is None or not key or attributes is None:
        return None
    return CleanItem(
        kind=kind.code,
        identifier=identifier,
        identifier_key=key,
        title=title,
        date=date,
        attributes=attributes,
        evidence_url=evidence_url,
        files=files,
    )


def _item_files(index: int, raw: Any, errors: dict[str, list[str]]) -> tuple[int, ...] | None:
    """The item's evidence files as ids: a list of ids, or of objects with an ``id``."""
    if raw is None:
        return None
    ids: list[int] = []
    if isinstance(raw, list):
        for entry in raw:
            value = entry.get("id") if isinstance(entry, dict) else entry
            if isinstance(value, bool) or not isinstance(value, int):
                break
            ids.append(value)
        else:
            return tuple(ids)
    errors[f"items[{index}].files"] = [
        _("Item %(n)d: files must be a list of file ids.") % {"n": index + 1}
    ]
    return None


def _item_kind(
    index: int, raw: Any, kinds: dict[str, ItemKind], errors: dict[str, list[str]]
) -> ItemKind | None:
    kind = kinds.get(str(raw).strip()) if raw is not None else None
    if kind is None:
        errors[f"items[{index}].kind"] = [
            _("Item %(n)d: unknown kind “%(kind)s”; use one of %(kinds)s.")
            % {
                "n": index + 1,
                "kind": "" if raw is None else str(raw)[:50],
                "kinds": ", ".join(sorted(kinds)),
            }
        ]
    return kind


def _item_identifier(
    index: int, raw: Any, kind: ItemKind | None, errors: dict[str, list[str]]
) -> tuple[str, str]:
    text = "" if raw is None else str(raw).strip()
    key = identifier_normalise(text)
    label = kind.identifier_label if kind is not None else _("identifier")
    if not key:
        errors[f"items[{index}].identifier"] = [
            _("Item %(n)d: enter the %(label)s.") % {"n": index + 1, "label": label}
        ]
    elif len(text) > IDENTIFIER_MAX:
        errors[f"items[{index}].identifier"] = [
            _("Item %(n)d: the %(label)s is longer than %(max)d characters.")
            % {"n": index + 1, "label": label, "max": IDENTIFIER_MAX}
        ]
        return text, ""
    return text, key


def _item_title(index: int, raw: Any, errors: dict[str, list[str]]) -> str:
    title = "" if raw is None else str(raw).strip()
    if len(title) > TITLE_MAX:
        errors[f"items[{index}].title"] = [
            _("Item %(n)d: the title is longer than %(max)d characters.")
            % {"n": index + 1, "max": TITLE_MAX}
        ]
    return title


def _item_date(index: int, raw: Any, period: int, errors: dict[str, list[str]]) -> dt.date | None:
    date: dt.date | None = None
    if isinstance(raw, dt.datetime):
        date = raw.date()
    elif isinstance(raw, dt.date):
        date = raw
    elif isinstance(raw, str):
        try:
            date = dt.date.fromisoformat(unicodedata.normalize("NFKC", raw).strip())
        except ValueError:
            date = None
    if date is None:
        errors[f"items[{index}].date"] = [
            _("Item %(n)d: enter the date as YYYY-MM-DD.") % {"n": index + 1}
        ]
        return None
    end = period_end(period)
    if date > end:
        errors[f"items[{index}].date"] = [
            _("Item %(n)d: the date %(date)s is after the end of %(period)s (%(end)s).")
            % {
                "n": index + 1,
                "date": date.isoformat(),
                "period": period_format(period),
                "end": end.isoformat(),
            }
        ]
        return None
    return date


def _item_attributes(
    index: int, raw: Any, kind: ItemKind | None, errors: dict[str, list[str]]
) -> dict[str, str] | None:
    name = f"items[{index}].attributes"
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, dict):
        errors[name] = [_("Item %(n)d: attributes must be an object.") % {"n": index + 1}]
        return None
    allowed: dict[str, list[str]] = (kind.attributes or {}) if kind is not None else {}
    messages: list[str] = []
    clean: dict[str, str] = {}
    for key, value in raw.items():
        if key not in allowed:
            messages.append(
                _("Item %(n)d: the attribute “%(key)s” is not allowed for this kind%(hint)s.")
                % {
                    "n": index + 1,
                    "key": str(key)[:50],
                    "hint": (" (" + ", ".join(sorted(allowed)) + ")") if allowed else "",
                }
            )
        elif value is None or value == "":
            continue
        elif str(value) not in allowed[key]:
            messages.append(
                _("Item %(n)d: “%(value)s” is not a valid %(key)s; use one of %(choices)s.")
                % {
                    "n": index + 1,
                    "value": str(value)[:50],
                    "key": key,
                    "choices": ", ".join(allowed[key]),
                }
            )
        else:
            clean[str(key)] = str(value)
    if messages:
        errors[name] = messages
        return None
    return clean


def _item_evidence_url(index: int, raw: Any, errors: dict[str, list[str]]) -> str:
    url = "" if raw is None else str(raw).strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors[f"items[{index}].evidence_url"] = [
            _("Item %(n)d: enter a valid http(s) link.") % {"n": index + 1}
        ]
        return ""
    if len(url) > 500:
        errors[f"items[{index}].evidence_url"] = [
            _("Item %(n)d: the link is longer than 500 characters.") % {"n": index + 1}
        ]
        return ""
    return url
