"""Reading a target's rule: the typed spec, the catalogue checks, what a change feeds."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from targets.models import Target
from targets.rules import RuleKind, rule_parse, targets_fed_by

pytestmark = pytest.mark.django_db


def test_every_catalogue_rule_reads_as_a_typed_spec():
    specs = {t.code: rule_parse(t.rule) for t in Target.objects.all()}
    assert specs["AIC-CLOUD"].kind is RuleKind.FLAG_LATEST_COUNT
    assert specs["AIC-CLOUD"].source == "cloud_adopted"
    assert specs["AIC-CLOUD"].enterprises == {"is_key": True}
    assert specs["CN25-STANDARD"].where == {"level": ["national", "industry"]}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"kind": "designation_cuont", "designation": "demo_park"}, "Unknown rule kind"),
        ({"kind": "designation_count"}, "needs “designation”"),
        ({"kind": "designation_count", "designation": "no_such"}, "No designation kind"),
        ({"kind": "item_distinct", "item": "scenario", "where": {"colour": ["red"]}}, "colour"),
        ({"kind": "flow_sum", "metric": "cloud_adopted"}, "flow"),
        ({"kind": "flag_latest_share", "metric": "dx_transformed", "extra": 1}, "extra"),
        (
            {"kind": "flag_latest_count", "metric": "cloud_adopted", "enterprises": {"size": 1}},
            "size",
        ),
        ("designation_count", "object"),
    ],
)
def test_a_rule_that_cannot_be_computed_is_refused_with_the_reason(rule, message):
    with pytest.raises(ValidationError) as caught:
        rule_parse(rule)
    assert message in " ".join(caught.value.message_dict["rule"])


def test_a_reports_metrics_and_item_kinds_name_the_targets_they_feed():
    codes = targets_fed_by(metrics={"talent_high_end_new", "revenue"}, item_kinds={"standard"})
    assert codes == ["SH23-TALENT-HIGH", "SH23-STANDARD", "CN25-STANDARD"]


def test_designation_changes_feed_every_designation_target():
    codes = targets_fed_by(designations=True)
    assert len(codes) == 8
    assert "SH23-PARK" in codes
    assert "SH23-SCENARIO" not in codes


def test_a_target_whose_rule_is_broken_is_fed_by_everything_so_its_error_shows():
    Target.objects.filter(code="SH23-PARK").update(rule={"kind": "typo"})
    assert "SH23-PARK" in targets_fed_by(metrics={"revenue"})
