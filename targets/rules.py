"""What a target's ``rule`` says, read once into a typed value and checked against the
catalogue (DOMAIN.md, "How each target is computed").

``rule_parse`` is the only reader of ``Target.rule``'s JSON: the rollup's rule registry
(``progress.rules``) computes figures and evidence from the ``RuleSpec`` it returns, and the
admin and services refuse a rule it cannot read, so a typo never reaches a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import DesignationKind, ItemKind, Metric, Segment, Target

RuleKind = Target.RuleKind

# The enterprise filters a rule may name, and the enterprise field each one reads.
ENTERPRISE_FILTERS: dict[str, str] = {
    "is_key": "is_key",
    "above_scale": "above_scale",
    "segment": "segment__code",
}
_SOURCE_KEY = {
    RuleKind.DESIGNATION_COUNT: "designation",
    RuleKind.ITEM_DISTINCT: "item",
    RuleKind.FLOW_SUM: "metric",
    RuleKind.FLAG_EVER_COUNT: "metric",
    RuleKind.FLAG_LATEST_COUNT: "metric",
    RuleKind.FLAG_LATEST_SHARE: "metric",
}
_METRIC_SEMANTICS = {
    RuleKind.FLOW_SUM: Metric.Semantics.FLOW,
    RuleKind.FLAG_EVER_COUNT: Metric.Semantics.FLAG,
    RuleKind.FLAG_LATEST_COUNT: Metric.Semantics.FLAG,
    RuleKind.FLAG_LATEST_SHARE: Metric.Semantics.FLAG,
}
CUMULATIVE_KINDS = frozenset(
    {
        RuleKind.DESIGNATION_COUNT,
        RuleKind.ITEM_DISTINCT,
        RuleKind.FLOW_SUM,
        RuleKind.FLAG_EVER_COUNT,
    }
)


@dataclass(frozen=True)
class RuleSpec:
    kind: RuleKind
    # The designation kind, item kind or metric code the rule reads.
    source: str
    # Enterprise filter: field lookup → value (``is_key``, ``above_scale``, ``segment__code``).
    enterprises: dict[str, Any] = field(default_factory=dict)
    # Item attribute → allowed values (``item_distinct`` only).
    where: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_cumulative(self) -> bool:
        return self.kind in CUMULATIVE_KINDS

    @property
    def reads_designations(self) -> bool:
        return self.kind is RuleKind.DESIGNATION_COUNT

    @property
    def reads_items(self) -> bool:
        return self.kind is RuleKind.ITEM_DISTINCT

    @property
    def reads_metric(self) -> bool:
        return self.kind not in (RuleKind.DESIGNATION_COUNT, RuleKind.ITEM_DISTINCT)


def rule_parse(rule: Any, *, catalogue: bool = True) -> RuleSpec:
    """The rule as a ``RuleSpec``; ValidationError({"rule": [...]}) naming every problem.

    Checks the shape for the kind and (with ``catalogue``, a few queries) that every code
    it names exists in the catalogue.
    """
    problems: list[str] = []
    if not isinstance(rule, dict):
        raise ValidationError({"rule": [_("A rule is an object with a “kind”.")]})
    kind_text = rule.get("kind")
    if kind_text not in RuleKind.values:
        raise ValidationError(
            {
                "rule": [
                    _("Unknown rule kind “%(kind)s”; use one of %(kinds)s.")
                    % {"kind": kind_text, "kinds": ", ".join(RuleKind.values)}
                ]
            }
        )
    kind = RuleKind(kind_text)
    key = _SOURCE_KEY[kind]
    allowed = {"kind", key, "enterprises"} | (
        {"where"} if kind is RuleKind.ITEM_DISTINCT else set()
    )
    unknown = sorted(set(rule) - allowed)
    if unknown:
        problems.append(
            _("A %(kind)s rule cannot have %(keys)s.") % {"kind": kind, "keys": ", ".join(unknown)}
        )
    source = rule.get(key)
    if not isinstance(source, str) or not source:
        problems.append(_("A %(kind)s rule needs “%(key)s”.") % {"kind": kind, "key": key})
        source = ""
    elif catalogue:
        problems += _source_problems(kind, source)
    enterprises = _enterprises_parse(rule.get("enterprises"), problems, catalogue)
    item_kind = source if kind is RuleKind.ITEM_DISTINCT else ""
    where = _where_parse(rule.get("where"), item_kind, problems, catalogue)
    if problems:
        raise ValidationError({"rule": problems})
    return RuleSpec(kind=kind, source=source, enterprises=enterprises, where=where)


def _source_problems(kind: RuleKind, code: str) -> list[str]:
    if kind is RuleKind.DESIGNATION_COUNT:
        if not DesignationKind.objects.filter(code=code).exists():
            return [_("No designation kind has the code %(code)s.") % {"code": code}]
        return []
    if kind is RuleKind.ITEM_DISTINCT:
        if not ItemKind.objects.filter(code=code).exists():
            return [_("No item kind has the code %(code)s.") % {"code": code}]
        return []
    semantics = Metric.objects.filter(code=code).values_list("semantics", flat=True).first()
    if semantics is None:
        return [_("No metric has the code %(code)s.") % {"code": code}]
    if semantics != _METRIC_SEMANTICS[kind]:
        return [
            _("A %(kind)s rule reads a %(semantics)s metric; %(code)s is not one.")
            % {"kind": kind, "semantics": _METRIC_SEMANTICS[kind].label, "code": code}
        ]
    return []


def _enterprises_parse(raw: Any, problems: list[str], catalogue: bool) -> dict[str, Any]:
    if raw in (None, {}):
        return {}
    if not isinstance(raw, dict):
        problems.append(_('“enterprises” is an object such as {"is_key": true}.'))
        return {}
    lookups: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in ENTERPRISE_FILTERS:
            problems.append(
                _("Enterprises cannot be filtered by “%(name)s”; use %(names)s.")
                % {"name": name, "names": ", ".join(ENTERPRISE_FILTERS)}
            )
        elif name == "segment":
            if catalogue and not Segment.objects.filter(code=value).exists():
                problems.append(_("No segment has the code %(code)s.") % {"code": value})
            lookups[ENTERPRISE_FILTERS[name]] = value
        elif not isinstance(value, bool):
            problems.append(_("“%(name)s” is true or false.") % {"name": name})
        else:
            lookups[ENTERPRISE_FILTERS[name]] = value
    return lookups


def _where_parse(
    raw: Any, item_kind: str, problems: list[str], catalogue: bool
) -> dict[str, list[str]]:
    if raw in (None, {}):
        return {}
    if not isinstance(raw, dict):
        problems.append(_("“where” is an object of attribute → allowed values."))
        return {}
    attributes = (
        ItemKind.objects.filter(code=item_kind).values_list("attributes", flat=True).first() or {}
        if catalogue
        else None
    )
    where: dict[str, list[str]] = {}
    for name, values in raw.items():
        allowed = attributes.get(name) if attributes is not None else values
        if allowed is None:
            problems.append(
                _("Items of kind %(kind)s have no attribute “%(name)s”.")
                % {"kind": item_kind, "name": name}
            )
            continue
        if not isinstance(values, list) or not values:
            problems.append(_("“where.%(name)s” is a list of values.") % {"name": name})
            continue
        wrong = [str(v) for v in values if v not in allowed]
        if wrong:
            problems.append(
                _("“%(values)s” not allowed for %(name)s; use %(allowed)s.")
                % {"values": ", ".join(wrong), "name": name, "allowed": ", ".join(allowed)}
            )
        where[name] = [str(v) for v in values]
    return where


def targets_fed_by(
    *,
    metrics: set[str] | None = None,
    item_kinds: set[str] | None = None,
    designations: bool = False,
) -> list[str]:
    """Codes of the targets whose figures can change when these metrics, item kinds or
    designations change: what an incremental rollup has to recompute. A target whose rule
    cannot be read is included, so the rollup records its error."""
    metrics, item_kinds = metrics or set(), item_kinds or set()
    codes = []
    for code, rule in Target.objects.values_list("code", "rule"):
        try:
            spec = rule_parse(rule, catalogue=False)
        except ValidationError:
            codes.append(code)
            continue
        if (
            (spec.reads_metric and spec.source in metrics)
            or (spec.reads_items and spec.source in item_kinds)
            or (designations and spec.reads_designations)
        ):
            codes.append(code)
    return codes
