"""The rule registry: one object per rule kind (DOMAIN.md, "How each target is computed")
that holds both what a figure counts and the evidence of what it counted, side by side,
built on the same queries so the two cannot drift apart.

``rule_for(target)`` picks the rule from the registry by the target's kind; the engine asks
it for actual values (scopes × quarters), the evidence API and pages for the rows behind
one figure, and the pages for the rule in plain words.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar, TypedDict

import pandas as pd
from django.db.models import Count, F, Min, Q, QuerySet, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils.translation import gettext as _

from enterprises.models import Designation, Enterprise, EnterpriseQuerySet
from parks.models import Park
from reporting.models import Item, MetricValue, Submission
from targets.models import DesignationKind, District, ItemKind, Metric, Target
from targets.periods import period_end, period_format, period_of
from targets.rules import RuleKind, RuleSpec, rule_parse
from targets.scopes import Scope, ScopeKind

from .arithmetic import share_round
from .frames import (
    Scopes,
    active_matrix,
    frame_fetch,
    pivot,
    quarter_sql,
    quarters_of,
    sql_rows,
    sum_by_scope,
)

FLOW_SCALE = 10_000  # flows are summed as integers of 1/10,000 (four decimals, exact)


class Evidence(TypedDict, total=False):
    target: str
    period: str
    scope: str
    rule: dict[str, Any]
    count: int
    total: Decimal | int
    active: int
    designations: list[dict[str, Any]]
    items: list[dict[str, Any]]
    reports: list[dict[str, Any]]
    enterprises: list[dict[str, Any]]


class Rule(ABC):
    """A target's rule: its figures and their evidence."""

    kind: ClassVar[RuleKind]
    # Actuals are whole numbers (counts) rather than sums or shares.
    whole: ClassVar[bool] = True
    # Actuals never fall (they count everything up to the quarter).
    cumulative: ClassVar[bool] = True

    def __init__(self, target: Target, spec: RuleSpec) -> None:
        self.target = target
        self.spec = spec

    @property
    def first_period(self) -> int:
        return period_of(self.target.counts_from)

    @abstractmethod
    def actuals(self, *, scopes: Scopes, periods: list[int]) -> pd.DataFrame:
        """Actual values as Decimals: one row per scope label, one column per quarter."""

    @abstractmethod
    def evidence(self, *, period: int, scope: Scope) -> Evidence:
        """What the figure of one quarter and scope counts."""

    @abstractmethod
    def describe(self) -> str:
        """The rule in plain words, in the active language."""

    # -- rows for the pages: sorted and paginated in SQL ------------------------------

    @abstractmethod
    def evidence_rows(self, *, period: int, scope: Scope) -> QuerySet[Any]:
        """The evidence of one figure as ``values()`` rows, one per thing the figure
        counts, for pages to sort and paginate in SQL: built on the same queries as
        ``evidence`` (each rule kind lists its fields)."""

    def not_counted(self, *, period: int, scope: Scope) -> QuerySet[Enterprise] | None:
        """Who is not delivering: the enterprises the rule looks at in ``scope`` (its own
        ``enterprises`` filter; for the share, those active at the quarter's end) that the
        figure of ``period`` does not count. None when the rule does not count enterprises
        (designations, items, sums)."""
        return None

    # -- shared pieces ----------------------------------------------------------------

    def enterprise_q(self, prefix: str = "") -> Q:
        """The rule's own enterprise filter (``enterprises``: is_key, above_scale, segment)."""
        return Q(**{prefix + lookup: value for lookup, value in self.spec.enterprises.items()})

    def _filter_words(self) -> str:
        words = []
        for lookup, value in self.spec.enterprises.items():
            if lookup == "is_key":
                words.append(_("key enterprises") if value else _("enterprises that are not key"))
            elif lookup == "above_scale":
                words.append(
                    _("above-scale enterprises") if value else _("enterprises below scale")
                )
            else:
                words.append(_("enterprises of segment %(code)s") % {"code": value})
        return ", ".join(words) or _("all enterprises")

    def _since(self) -> str:
        return self.target.counts_from.isoformat()


REGISTRY: dict[RuleKind, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    REGISTRY[cls.kind] = cls
    return cls


def rule_for(target: Target) -> Rule:
    """The target's rule object; ValidationError when its rule cannot be read."""
    spec = rule_parse(target.rule, catalogue=False)
    return REGISTRY[spec.kind](target, spec)


def _scope_attribution_q(scope: Scope, district_field: str, park_field: str) -> Q:
    """Rows attributed to ``scope`` by district and park id columns."""
    if scope.kind is ScopeKind.DISTRICT:
        return Q(**{f"{district_field}__in": District.objects.filter(code=scope.code).values("pk")})
    if scope.kind is ScopeKind.PARK:
        return Q(**{f"{park_field}__in": Park.objects.filter(code=scope.code).values("pk")})
    return Q()


# --- designation_count ------------------------------------------------------------------


@register
class DesignationCount(Rule):
    kind = RuleKind.DESIGNATION_COUNT

    def counted(self, until: dt.date) -> QuerySet[Any]:
        """Designations of the kind granted from ``counts_from`` to ``until`` (revoked ones
        included: the caller decides as of when), with the district and park they count
        for: an enterprise's → its district and park; a park's → the park and its district;
        a provider's → its district; the programme's → the city only."""
        return Designation.objects.filter(
            kind__code=self.spec.source,
            granted_on__gte=self.target.counts_from,
            granted_on__lte=until,
        ).annotate(
            at_district=Coalesce(
                F("enterprise__district_id"), F("park__district_id"), F("provider__district_id")
            ),
            at_park=Coalesce(F("enterprise__park_id"), F("park_id")),
        )

    def actuals(self, *, scopes: Scopes, periods: list[int]) -> pd.DataFrame:
        rows = self.counted(period_end(periods[-1])).values(
            "granted_on", "revoked_on", "at_district", "at_park"
        )
        data = frame_fetch(rows, ["granted_on", "revoked_on", "at_district", "at_park"])
        if data.empty:
            return _whole(pivot(_no_events(), scopes, periods))
        district = data["at_district"].astype("Float64")
        park = data["at_park"].astype("Float64")
        granted = pd.DataFrame(
            {
                "district": district,
                "park": park,
                "period": quarters_of(data["granted_on"]),
                "value": 1,
            }
        )
        # Revoked on end(P) means gone at P: the -1 lands in the revocation's own quarter.
        revoked = data["revoked_on"].notna()
        gone = pd.DataFrame(
            {
                "district": district[revoked],
                "park": park[revoked],
                "period": quarters_of(data.loc[revoked, "revoked_on"]),
                "value": -1,
            }
        )
        return _whole(pivot(pd.concat([granted, gone], ignore_index=True), scopes, periods))

    def in_force(self, *, period: int, scope: Scope) -> QuerySet[Any]:
        """The designations the figure of ``period`` counts in ``scope``: granted by the
        quarter's end and not revoked on or before it, attributed to the scope."""
        end = period_end(period)
        return (
            self.counted(end)
            .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=end))
            .filter(_scope_attribution_q(scope, "at_district", "at_park"))
        )

    def evidence(self, *, period: int, scope: Scope) -> Evidence:
        queryset = self.in_force(period=period, scope=scope)
        rows = queryset.values(
            "id",
            "name",
            "reference",
            "granted_on",
            "revoked_on",
            enterprise_uscc=F("enterprise__uscc"),
            park_code=F("park__code"),
            provider_uscc=F("provider__uscc"),
        ).order_by("granted_on", "id")
        designations = [
            {
                "id": r["id"],
                "name": r["name"],
                "reference": r["reference"],
                "enterprise": r["enterprise_uscc"],
                "park": r["park_code"],
                "provider": r["provider_uscc"],
                "granted_on": r["granted_on"],
                "revoked_on": r["revoked_on"],
            }
            for r in rows
        ]
        return Evidence(count=len(designations), designations=designations)

    def evidence_rows(self, *, period: int, scope: Scope) -> QuerySet[Any]:
        """id, name, reference, granted_on, revoked_on, enterprise_id, enterprise_uscc,
        enterprise_name, park_code, park_name_zh, park_name_en, provider_name (no subject:
        the programme's)."""
        return self.in_force(period=period, scope=scope).values(
            "id",
            "name",
            "reference",
            "granted_on",
            "revoked_on",
            "enterprise_id",
            enterprise_uscc=F("enterprise__uscc"),
            enterprise_name=F("enterprise__name"),
            park_code=F("park__code"),
            park_name_zh=F("park__name_zh"),
            park_name_en=F("park__name_en"),
            provider_name=F("provider__name"),
        )

    def describe(self) -> str:
        return _(
            "Counts “%(kind)s” designations granted from %(since)s and not revoked by the "
            "quarter's end."
        ) % {"kind": _designation_kind_name(self.spec.source), "since": self._since()}


# --- item_distinct ----------------------------------------------------------------------


@register
class ItemDistinct(Rule):
    kind = RuleKind.ITEM_DISTINCT

    @cached_property
    def per_enterprise(self) -> bool:
        dedupe = (
            ItemKind.objects.filter(code=self.spec.source).values_list("dedupe", flat=True).first()
        )
        return dedupe == ItemKind.Dedupe.ENTERPRISE_IDENTIFIER

    def counted(self, until: dt.date) -> QuerySet[Item]:
        """Approved items of the kind (and ``where`` filter) dated from ``counts_from`` to
        ``until``, of enterprises matching the rule's filter; an item counts by its own
        date and belongs to its enterprise's district and park."""
        # The kind's id (not its code through a join) lets the database use the index of
        # approved items.
        queryset = Item.objects.filter(
            approved=True,
            kind_id=self._kind_pk,
            date__gte=self.target.counts_from,
            date__lte=until,
        ).filter(self.enterprise_q("enterprise__"))
        for attribute, allowed in self.spec.where.items():
            queryset = queryset.filter(**{f"attributes__{attribute}__in": list(allowed)})
        return queryset

    def actuals(self, *, scopes: Scopes, periods: list[int]) -> pd.DataFrame:
        firsts = (
            self.counted(period_end(periods[-1]))
            .values("enterprise_id", "identifier_key")
            .annotate(first=Min("date"))
            .order_by()
        )
        if self.per_enterprise:
            # Per-enterprise keys simply add up: count first sightings per scope and quarter.
            return _whole(pivot(_first_sightings(firsts), scopes, periods))
        rows = firsts.values(
            "identifier_key",
            "first",
            district=F("enterprise__district_id"),
            park=F("enterprise__park_id"),
        )
        data = frame_fetch(rows, ["identifier_key", "first", "district", "park"])
        # Rows are distinct (enterprise, key) pairs; pivot keeps each key once per scope.
        events = pd.DataFrame(
            {
                "district": data["district"],
                "park": data["park"],
                "period": quarters_of(data["first"]),
                "value": 1,
                "key": pd.factorize(data["identifier_key"])[0],
            }
        )
        return _whole(pivot(events, scopes, periods))

    def in_scope(self, *, period: int, scope: Scope) -> QuerySet[Item]:
        """The items the figure of ``period`` reads in ``scope`` (every claim of each key)."""
        return self.counted(period_end(period)).filter(scope.enterprise_q("enterprise__"))

    @cached_property
    def _kind_pk(self) -> int | None:
        return ItemKind.objects.filter(code=self.spec.source).values_list("pk", flat=True).first()

    def evidence(self, *, period: int, scope: Scope) -> Evidence:
        per_enterprise = self.per_enterprise
        rows = (
            self.in_scope(period=period, scope=scope)
            .values(
                "identifier_key",
                "identifier",
                "date",
                "submission_id",
                "period",
                enterprise_uscc=F("enterprise__uscc"),
            )
            .order_by("date", "id")
        )
        keys: dict[tuple[str, ...], dict[str, Any]] = {}
        for r in rows:
            key = (
                (r["enterprise_uscc"], r["identifier_key"])
                if per_enterprise
                else (r["identifier_key"],)
            )
            entry = keys.setdefault(
                key,
                {
                    "key": r["identifier_key"],
                    "enterprise": r["enterprise_uscc"] if per_enterprise else None,
                    "first_date": r["date"],
                    "claims": [],
                },
            )
            entry["claims"].append(
                {
                    "submission": r["submission_id"],
                    "enterprise": r["enterprise_uscc"],
                    "period": period_format(r["period"]),
                    "identifier": r["identifier"],
                    "date": r["date"],
                }
            )
        return Evidence(count=len(keys), items=list(keys.values()))

    def evidence_rows(self, *, period: int, scope: Scope) -> QuerySet[Any]:
        """One row per de-duplication key: identifier_key, first_date (its earliest item),
        claims (items claiming it); per enterprise also enterprise_id, otherwise
        enterprises (how many claimed it)."""
        rows = self.in_scope(period=period, scope=scope)
        if self.per_enterprise:
            return (
                rows.values("identifier_key", "enterprise_id")
                .annotate(first_date=Min("date"), claims=Count("id"))
                .order_by()
            )
        return (
            rows.values("identifier_key")
            .annotate(
                first_date=Min("date"),
                claims=Count("id"),
                enterprises=Count("enterprise_id", distinct=True),
            )
            .order_by()
        )

    def claims(
        self, *, period: int, scope: Scope, keys: list[tuple[int | None, str]], limit: int = 3
    ) -> dict[tuple[int | None, str], list[dict[str, Any]]]:
        """The first ``limit`` items (by date) claiming each of ``keys`` — (enterprise id,
        identifier key) when keys are per enterprise, (None, identifier key) otherwise —
        with their report: submission_id, period, identifier, date, enterprise_id,
        enterprise_uscc, enterprise_name. At most ``limit`` × len(keys) rows."""
        if not keys:
            return {}
        per_enterprise = self.per_enterprise
        partition = (
            [F("enterprise_id"), F("identifier_key")] if per_enterprise else [F("identifier_key")]
        )
        rows = self.in_scope(period=period, scope=scope).filter(
            identifier_key__in={key for _enterprise, key in keys}
        )
        if per_enterprise:
            rows = rows.filter(enterprise_id__in={enterprise for enterprise, _key in keys})
        ranked = (
            rows.annotate(
                rank=Window(RowNumber(), partition_by=partition, order_by=[F("date"), F("id")])
            )
            .filter(rank__lte=limit)
            .values(
                "identifier_key",
                "submission_id",
                "period",
                "identifier",
                "date",
                "enterprise_id",
                enterprise_uscc=F("enterprise__uscc"),
                enterprise_name=F("enterprise__name"),
            )
            .order_by("date", "id")
        )
        wanted = set(keys)
        found: dict[tuple[int | None, str], list[dict[str, Any]]] = {key: [] for key in keys}
        for row in ranked:
            key = (row["enterprise_id"] if per_enterprise else None, row["identifier_key"])
            if key in wanted:
                found[key].append(row)
        return found

    def describe(self) -> str:
        kind = ItemKind.objects.filter(code=self.spec.source).first()
        name = kind.name if kind is not None else self.spec.source
        label = kind.identifier_label if kind is not None else _("identifier")
        words = (
            _("Counts distinct %(label)s of “%(kind)s” per enterprise")
            if self.per_enterprise
            else _("Counts distinct %(label)s of “%(kind)s”")
        ) % {"label": label, "kind": name}
        where = "; ".join(f"{k}: {', '.join(v)}" for k, v in self.spec.where.items())
        return (
            words
            + (f" ({where})" if where else "")
            + _(" in approved reports, dated from %(since)s.") % {"since": self._since()}
        )


def _first_sightings(firsts: QuerySet[Any]) -> pd.DataFrame:
    inner, params = firsts.query.sql_with_params()
    quarter = quarter_sql("f.first")
    # Only table names and SQL the ORM built are interpolated; values travel as parameters.
    sql = (
        f"SELECT e.district_id, e.park_id, {quarter}, COUNT(*) FROM ({inner}) f"  # noqa: S608
        f" JOIN {Enterprise._meta.db_table} e ON e.id = f.enterprise_id"
        f" GROUP BY e.district_id, e.park_id, {quarter}"
    )
    return pd.DataFrame(
        sql_rows(sql, list(params)), columns=["district", "park", "period", "value"]
    )


# --- flow_sum ---------------------------------------------------------------------------


class _MetricRule(Rule):
    """Rules that read one metric of approved reports."""

    def counted(self, last: int) -> QuerySet[MetricValue]:
        """Approved values of the metric for quarters from ``counts_from``'s to ``last``,
        of enterprises matching the rule's filter."""
        # The metric's id (not its code through a join) lets the database use the index of
        # approved values.
        if self._metric_pk is None:
            return MetricValue.objects.none()
        return MetricValue.objects.filter(
            approved=True,
            metric_id=self._metric_pk,
            period__gte=self.first_period,
            period__lte=last,
        ).filter(self.enterprise_q("enterprise__"))

    def in_scope(self, last: int, scope: Scope) -> QuerySet[MetricValue]:
        """``counted`` for the enterprises of ``scope``."""
        return self.counted(last).filter(scope.enterprise_q("enterprise__"))

    @cached_property
    def _metric_pk(self) -> int | None:
        return Metric.objects.filter(code=self.spec.source).values_list("pk", flat=True).first()

    def metric_name(self) -> str:
        metric = Metric.objects.filter(code=self.spec.source).first()
        return metric.name if metric is not None else self.spec.source


@register
class FlowSum(_MetricRule):
    kind = RuleKind.FLOW_SUM
    whole = False

    def actuals(self, *, scopes: Scopes, periods: list[int]) -> pd.DataFrame:
        rows = (
            self.counted(periods[-1])
            .values("period", district=F("enterprise__district_id"), park=F("enterprise__park_id"))
            .annotate(total=Sum("value"))
            .order_by()
        )
        data = frame_fetch(rows, ["period", "district", "park", "total"])
        data["value"] = [round(Decimal(str(v)) * FLOW_SCALE) for v in data["total"]]
        sums = pivot(data[["district", "park", "period", "value"]], scopes, periods)
        return sums.map(lambda v: Decimal(int(v)).scaleb(-4))

    def evidence(self, *, period: int, scope: Scope) -> Evidence:
        rows = (
            self.in_scope(period, scope)
            .values("submission_id", "period", "value", enterprise_uscc=F("enterprise__uscc"))
            .order_by("period", "enterprise__uscc")
        )
        reports = [
            {
                "submission": r["submission_id"],
                "enterprise": r["enterprise_uscc"],
                "period": period_format(r["period"]),
                "value": r["value"],
            }
            for r in rows
        ]
        return Evidence(total=sum((r["value"] for r in reports), 0), reports=reports)

    def evidence_rows(self, *, period: int, scope: Scope) -> QuerySet[Any]:
        """One row per report: submission_id, period, value, enterprise_id,
        enterprise_uscc, enterprise_name."""
        return self.in_scope(period, scope).values(
            "submission_id",
            "period",
            "value",
            "enterprise_id",
            enterprise_uscc=F("enterprise__uscc"),
            enterprise_name=F("enterprise__name"),
        )

    def describe(self) -> str:
        return _(
            "Adds up “%(metric)s” over approved reports of %(who)s, quarters from %(since)s."
        ) % {"metric": self.metric_name(), "who": self._filter_words(), "since": self._since()}


# --- the rules that count enterprises: who counts and who does not -----------------------


class EnterpriseSplit(ABC):
    """A rule that counts enterprises splits those it looks at in a scope into the ones
    its figure counts and the ones it does not (who is not delivering); the evidence and
    that list are both read from the one split, so they add up to what the rule looks at."""

    @abstractmethod
    def looked_at(self, *, period: int, scope: Scope) -> QuerySet[Enterprise]:
        """The enterprises the figure of ``period`` looks at in ``scope``."""

    @abstractmethod
    def counted_ids(self, *, period: int, scope: Scope) -> set[int]:
        """Of ``looked_at``, the ids of those the figure counts."""

    def delivering(self, *, period: int, scope: Scope) -> tuple[list[int], list[int]]:
        """``looked_at`` split into (counted, not counted) ids, in id order; computed once
        per rule object, quarter and scope."""
        key = (period, str(scope))
        known = self._splits()
        if key not in known:
            ids = list(
                self.looked_at(period=period, scope=scope)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            yes = self.counted_ids(period=period, scope=scope)
            known[key] = ([pk for pk in ids if pk in yes], [pk for pk in ids if pk not in yes])
        return known[key]

    def remember(self, *, period: int, scope: Scope, split: tuple[list[int], list[int]]) -> None:
        """Use a split computed earlier for the same data (a page keeps it while the stored
        figures include every recorded change)."""
        self._splits()[(period, str(scope))] = split

    def _splits(self) -> dict[tuple[int, str], tuple[list[int], list[int]]]:
        splits: dict[tuple[int, str], tuple[list[int], list[int]]] = self.__dict__.setdefault(
            "_split_by_quarter_and_scope", {}
        )
        return splits

    def _part(self, *, period: int, scope: Scope, counted: bool) -> QuerySet[Enterprise]:
        """One side of the split as a queryset, naming the shorter list of ids."""
        yes, no = self.delivering(period=period, scope=scope)
        among = self.looked_at(period=period, scope=scope)
        wanted, others = (yes, no) if counted else (no, yes)
        if len(wanted) <= len(others):
            return among.filter(pk__in=wanted)
        return among.exclude(pk__in=others)

    def evidence_rows(self, *, period: int, scope: Scope) -> QuerySet[Any]:
        """One row per enterprise counted: enterprise_id, enterprise_uscc, enterprise_name,
        park_code."""
        return self._part(period=period, scope=scope, counted=True).values(
            enterprise_id=F("pk"),
            enterprise_uscc=F("uscc"),
            enterprise_name=F("name"),
            park_code=F("park__code"),
        )

    def not_counted(self, *, period: int, scope: Scope) -> QuerySet[Enterprise]:
        """The enterprises looked at that the figure does not count."""
        return self._part(period=period, scope=scope, counted=False)


# --- flag_ever_count --------------------------------------------------------------------


@register
class FlagEverCount(EnterpriseSplit, _MetricRule):
    kind = RuleKind.FLAG_EVER_COUNT

    def flagged(self, last: int) -> QuerySet[MetricValue]:
        return self.counted(last).filter(value__gt=0)

    def actuals(self, *, scopes: Scopes, periods: list[int]) -> pd.DataFrame:
        rows = (
            self.flagged(periods[-1])
            .values(
                "enterprise_id",
                district=F("enterprise__district_id"),
                park=F("enterprise__park_id"),
            )
            .annotate(period=Min("period"))
            .order_by()
        )
        data = frame_fetch(rows, ["enterprise_id", "district", "park", "period"])
        data["value"] = 1
        return _whole(pivot(data[["district", "park", "period", "value"]], scopes, periods))

    def evidence(self, *, period: int, scope: Scope) -> Evidence:
        rows = (
            self.flagged(period)
            .filter(scope.enterprise_q("enterprise__"))
            .values("submission_id", "period", enterprise_uscc=F("enterprise__uscc"))
            .order_by("enterprise__uscc", "period")
        )
        first: dict[str, dict[str, Any]] = {}
        for r in rows:
            first.setdefault(
                r["enterprise_uscc"],
                {
                    "enterprise": r["enterprise_uscc"],
                    "submission": r["submission_id"],
                    "period": period_format(r["period"]),
                },
            )
        return Evidence(count=len(first), enterprises=list(first.values()))

    def looked_at(self, *, period: int, scope: Scope) -> QuerySet[Enterprise]:
        """The enterprises the figure looks at in ``scope``: the filter's (no activity
        filter, as for the count)."""
        return Enterprise.objects.filter(self.enterprise_q(), scope.enterprise_q())

    def counted_ids(self, *, period: int, scope: Scope) -> set[int]:
        """The enterprises of ``scope`` with an approved report answering yes from
        ``counts_from``'s quarter up to ``period`` (``flagged``, as for the figure)."""
        return set(
            self.in_scope(period, scope)
            .filter(value__gt=0)
            .order_by()
            .values_list("enterprise_id", flat=True)
            .distinct()
        )

    def describe(self) -> str:
        return _(
            "Counts %(who)s that answered yes to “%(metric)s” in any approved report from "
            "%(since)s."
        ) % {"metric": self.metric_name(), "who": self._filter_words(), "since": self._since()}


# --- flag_latest_count and flag_latest_share --------------------------------------------


@register
class FlagLatestCount(EnterpriseSplit, _MetricRule):
    """Enterprises whose latest approved report up to P (any quarter, also before
    ``counts_from``) has the flag; a latest report without the flag's value counts as no."""

    kind = RuleKind.FLAG_LATEST_COUNT
    cumulative = False
    # The share's numerator counts only enterprises active at the quarter's end.
    active_only: ClassVar[bool] = False

    def enterprises(self) -> EnterpriseQuerySet:
        return Enterprise.objects.filter(self.enterprise_q())

    def transitions(
        self, last: int, *, enterprise_ids: QuerySet[Any] | None = None
    ) -> pd.DataFrame:
        """(enterprise, quarter, flag) of each approved report up to ``last`` whose flag
        differs from the enterprise's previous approved report: the state changes there."""
        metric_id = (
            Metric.objects.filter(code=self.spec.source).values_list("pk", flat=True).first()
        )
        among = enterprise_ids if enterprise_ids is not None else self.enterprises().values("id")
        enterprises_sql, enterprises_params = among.query.sql_with_params()
        flag = "CASE WHEN mv.value > 0 THEN 1 ELSE 0 END"
        # Only table names and SQL the ORM built are interpolated; values are parameters.
        sql = (
            f"SELECT enterprise_id, period, flag FROM ("  # noqa: S608
            f" SELECT s.enterprise_id, s.period, {flag} AS flag,"
            f" LAG({flag}, 1, -1) OVER (PARTITION BY s.enterprise_id ORDER BY s.period) AS previous"
            f" FROM {Submission._meta.db_table} s"
            f" LEFT JOIN {MetricValue._meta.db_table} mv"
            f" ON mv.submission_id = s.id AND mv.metric_id = %s"
            f" WHERE s.status = %s AND s.period <= %s AND s.enterprise_id IN ({enterprises_sql})"
            f") changes WHERE flag <> previous"
        )
        params = [metric_id, Submission.Status.APPROVED, last, *enterprises_params]
        return pd.DataFrame.from_records(
            sql_rows(sql, params), columns=["enterprise_id", "period", "value"]
        )

    def states(self, periods: list[int]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The enterprises (id, district, park, activity), their flag per quarter
        (enterprises × quarters, 1/0, with the activity applied when ``active_only``) and
        whether each is active at each quarter's end."""
        enterprises = frame_fetch(
            self.enterprises().values(
                "id", "district_id", "park_id", "active_from", "active_until"
            ),
            ["id", "district_id", "park_id", "active_from", "active_until"],
        ).set_index("id")
        reports = self.transitions(periods[-1])
        # Reports before the first quarter shown still set each enterprise's state then: keep
        # the latest of them, moved onto that first quarter.
        reports = reports.sort_values("period", kind="stable")
        reports["period"] = reports["period"].clip(lower=periods[0])
        reports = reports.drop_duplicates(["enterprise_id", "period"], keep="last")
        wide = (
            reports.pivot(index="enterprise_id", columns="period", values="value")
            .reindex(index=enterprises.index, columns=periods)
            .ffill(axis=1)
            .fillna(0)
            .astype("int64")
        )
        active = active_matrix(enterprises, periods)
        flagged = wide * active if self.active_only else wide
        return enterprises, flagged, active

    def actuals(self, *, scopes: Scopes, periods: list[int]) -> pd.DataFrame:
        enterprises, flagged, _active = self.states(periods)
        return _whole(sum_by_scope(flagged, enterprises, scopes))

    def flagged_ids(self, period: int, scope: Scope) -> list[int]:
        """The enterprises the figure of ``period`` counts in ``scope`` (same states)."""
        enterprises, flagged, _active = self.states([period])
        in_scope = set(
            Enterprise.objects.filter(
                scope.enterprise_q(), pk__in=list(enterprises.index)
            ).values_list("pk", flat=True)
        )
        column = flagged[period]
        return [int(pk) for pk in column[column > 0].index if pk in in_scope]

    def looked_at(self, *, period: int, scope: Scope) -> EnterpriseQuerySet:
        """The enterprises the figure of ``period`` looks at in ``scope``: the filter's
        (and, for the share, those active at the quarter's end)."""
        among = self.enterprises().filter(scope.enterprise_q())
        return among.active_on(period_end(period)) if self.active_only else among

    def counted_ids(self, *, period: int, scope: Scope) -> set[int]:
        """The enterprises of ``looked_at`` the figure counts, by the same transitions as
        ``states``, read for the scope's enterprises only: an enterprise's state at P is its
        latest change up to P (none: no)."""
        among = self.looked_at(period=period, scope=scope)
        changes = self.transitions(period, enterprise_ids=among.values("id"))
        latest = changes.sort_values("period", kind="stable").drop_duplicates(
            "enterprise_id", keep="last"
        )
        return {int(pk) for pk in latest.loc[latest["value"] > 0, "enterprise_id"]}

    def evidence(self, *, period: int, scope: Scope) -> Evidence:
        ids = self.flagged_ids(period, scope)
        latest = _latest_approved_reports(ids, period)
        enterprises = [
            {"enterprise": uscc, "submission": submission, "period": period_format(quarter)}
            for uscc, submission, quarter in latest
        ]
        return Evidence(count=len(enterprises), enterprises=enterprises)

    def describe(self) -> str:
        return _(
            "Counts %(who)s whose latest approved report answers yes to “%(metric)s” "
            "(switching it off later removes them)."
        ) % {"metric": self.metric_name(), "who": self._filter_words()}


@register
class FlagLatestShare(FlagLatestCount):
    kind = RuleKind.FLAG_LATEST_SHARE
    whole = False
    active_only = True

    def actuals(self, *, scopes: Scopes, periods: list[int]) -> pd.DataFrame:
        enterprises, flagged, active = self.states(periods)
        numerators = sum_by_scope(flagged, enterprises, scopes)
        denominators = sum_by_scope(active, enterprises, scopes)
        return pd.DataFrame(
            [
                [
                    share_round(int(n), int(d))
                    for n, d in zip(numerators.loc[s], denominators.loc[s], strict=True)
                ]
                for s in numerators.index
            ],
            index=numerators.index,
            columns=periods,
            dtype=object,
        )

    def evidence(self, *, period: int, scope: Scope) -> Evidence:
        evidence = super().evidence(period=period, scope=scope)
        evidence["active"] = (
            self.enterprises().active_on(period_end(period)).filter(scope.enterprise_q()).count()
        )
        return evidence

    def describe(self) -> str:
        return _(
            "The share (%%) of %(who)s active at the quarter's end whose latest approved "
            "report answers yes to “%(metric)s”; those that never reported count as no."
        ) % {"metric": self.metric_name(), "who": self._filter_words()}


# --- helpers ----------------------------------------------------------------------------


def _whole(table: pd.DataFrame) -> pd.DataFrame:
    return table.map(lambda v: Decimal(int(v)))


def _no_events() -> pd.DataFrame:
    return pd.DataFrame(columns=["district", "park", "period", "value"])


def _latest_approved_reports(enterprise_ids: list[int], period: int) -> list[tuple[str, int, int]]:
    """(USCC, report id, quarter) of each enterprise's latest approved report up to P."""
    if not enterprise_ids:
        return []
    rows = (
        Submission.objects.filter(
            enterprise_id__in=enterprise_ids, status=Submission.Status.APPROVED, period__lte=period
        )
        .order_by("enterprise__uscc", "-period")
        .values_list("enterprise__uscc", "pk", "period")
    )
    seen: dict[str, tuple[str, int, int]] = {}
    for uscc, pk, quarter in rows:
        seen.setdefault(uscc, (uscc, pk, quarter))
    return list(seen.values())


def _designation_kind_name(code: str) -> str:
    kind = DesignationKind.objects.filter(code=code).first()
    return kind.name if kind is not None else code


__all__ = ["REGISTRY", "Evidence", "Rule", "rule_for"]
