"""The report rule set: each rule refuses with a field-level message naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from reporting.validation import report_validate

pytestmark = pytest.mark.django_db

Q1_2024 = 2024 * 4
TODAY = dt.date(2024, 5, 1)


def errors_of(**kwargs) -> dict[str, list[str]]:
    params = {"period": Q1_2024, "metrics": {}, "items": [], "today": TODAY, **kwargs}
    with pytest.raises(ValidationError) as caught:
        report_validate(**params)
    return caught.value.message_dict


def clean(**kwargs):
    params = {"period": Q1_2024, "metrics": {}, "items": [], "today": TODAY, **kwargs}
    return report_validate(**params)


def scenario(**overrides) -> dict[str, object]:
    return {
        "kind": "scenario",
        "identifier": "MES rollout",
        "title": "MES",
        "date": "2024-03-01",
        "attributes": {"domain": "production"},
        **overrides,
    }


def test_a_valid_report_gives_decimals_and_normalised_items(enterprise):
    report = clean(
        enterprise=enterprise,
        metrics={"digital_staff": 12, "revenue": "1234.5", "cloud_adopted": True, "dcmm_level": 3},
        items=[scenario(identifier=" ｍｅｓ  rollout ")],
    )
    assert report.metrics == {
        "digital_staff": Decimal(12),
        "revenue": Decimal("1234.5"),
        "cloud_adopted": Decimal(1),
        "dcmm_level": Decimal(3),
    }
    assert report.items[0].identifier_key == "MESROLLOUT"
    assert report.items[0].date == dt.date(2024, 3, 1)
    assert report.metrics_json() == {
        "digital_staff": "12",
        "revenue": "1234.5",
        "cloud_adopted": True,
        "dcmm_level": "3",
    }


def test_a_quarter_that_has_not_ended_is_refused(enterprise):
    errors = errors_of(enterprise=enterprise, period=2024 * 4 + 1)  # 2024Q2 on 2024-05-01
    assert "2024Q2 has not ended" in errors["period"][0]


def test_the_quarter_that_just_ended_is_accepted(enterprise):
    assert clean(enterprise=enterprise, today=dt.date(2024, 4, 1)).period == Q1_2024


def test_a_value_above_the_catalogue_maximum_names_the_metric_and_range(enterprise):
    errors = errors_of(enterprise=enterprise, metrics={"talent_high_end_new": 10001})
    message = errors["metrics.talent_high_end_new"][0]
    assert "New BT+IT high-end talents" in message
    assert "from 0 to 10000" in message


def test_a_negative_value_is_below_the_minimum(enterprise):
    errors = errors_of(enterprise=enterprise, metrics={"revenue": "-1"})
    assert "from 0 to 1000000000" in errors["metrics.revenue"][0]


def test_an_integer_metric_refuses_a_fraction(enterprise):
    errors = errors_of(enterprise=enterprise, metrics={"digital_staff": "12.5"})
    assert (
        "Dedicated digital staff at quarter end: enter a whole number."
        in errors["metrics.digital_staff"]
    )


def test_a_level_must_be_a_whole_number_from_0_to_5(enterprise):
    errors = errors_of(enterprise=enterprise, metrics={"dcmm_level": 6, "smart_mfg_level": 2.5})
    assert "from 0 to 5" in errors["metrics.dcmm_level"][0]
    assert "whole number" in errors["metrics.smart_mfg_level"][0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, 1),
        (False, 0),
        ("true", 1),
        ("false", 0),
        ("True", 1),
        (1, 1),
        (0, 0),
        ("1", 1),
    ],
)
def test_a_flag_accepts_json_booleans_and_form_words(enterprise, raw, expected):
    report = clean(enterprise=enterprise, metrics={"cloud_adopted": raw})
    assert report.metrics["cloud_adopted"] == expected


@pytest.mark.parametrize("raw", ["yes please", 2, "2", 1.5])
def test_a_flag_refuses_anything_else(enterprise, raw):
    errors = errors_of(enterprise=enterprise, metrics={"cloud_adopted": raw})
    assert "answer yes (true) or no (false)" in errors["metrics.cloud_adopted"][0]


def test_a_number_metric_refuses_a_boolean(enterprise):
    errors = errors_of(enterprise=enterprise, metrics={"digital_staff": True})
    assert "not true/false" in errors["metrics.digital_staff"][0]


def test_unknown_metric_codes_are_refused_by_name(enterprise):
    errors = errors_of(enterprise=enterprise, metrics={"bogus": 1, "zzz": 2})
    assert errors["metrics"] == ["Unknown metric code(s): bogus, zzz."]


@pytest.mark.parametrize(
    "raw", [float("nan"), float("inf"), "NaN", "Infinity", "-inf", Decimal("NaN")]
)
def test_nan_and_infinity_are_refused(enterprise, raw):
    errors = errors_of(enterprise=enterprise, metrics={"revenue": raw})
    assert "enter a finite number" in errors["metrics.revenue"][0]


def test_full_width_digits_are_folded_and_accepted(enterprise):
    report = clean(enterprise=enterprise, metrics={"revenue": "１２３．５"})
    assert report.metrics["revenue"] == Decimal("123.5")


@pytest.mark.parametrize("raw", ["١٢٣", "१२", "٣.٥"])
def test_other_non_ascii_digits_are_refused(enterprise, raw):
    errors = errors_of(enterprise=enterprise, metrics={"revenue": raw})
    assert "use the digits 0-9 only" in errors["metrics.revenue"][0]


@pytest.mark.parametrize("raw", ["abc", "12,5", "1e5", "", "12 元"])
def test_text_that_is_not_a_number_is_refused(enterprise, raw):
    if raw == "":
        assert "revenue" not in clean(enterprise=enterprise, metrics={"revenue": raw}).metrics
        return
    errors = errors_of(enterprise=enterprise, metrics={"revenue": raw})
    assert "is not a number" in errors["metrics.revenue"][0]


def test_more_than_four_decimals_do_not_fit_the_column(enterprise):
    errors = errors_of(enterprise=enterprise, metrics={"revenue": "1.23456"})
    assert "at most 4 decimal places" in errors["metrics.revenue"][0]


def test_trailing_zeros_beyond_four_decimals_are_harmless(enterprise):
    assert clean(enterprise=enterprise, metrics={"revenue": "1.500000"}).metrics[
        "revenue"
    ] == Decimal("1.5")


def test_an_item_dated_after_its_quarter_end_is_refused(enterprise):
    errors = errors_of(enterprise=enterprise, items=[scenario(date="2024-04-01")])
    assert errors["items[0].date"] == [
        "Item 1: the date 2024-04-01 is after the end of 2024Q1 (2024-03-31)."
    ]


def test_an_item_date_must_be_a_date(enterprise):
    errors = errors_of(enterprise=enterprise, items=[scenario(date="March")])
    assert "YYYY-MM-DD" in errors["items[0].date"][0]


def test_an_unknown_item_kind_is_refused(enterprise):
    errors = errors_of(enterprise=enterprise, items=[scenario(kind="rocket")])
    assert "unknown kind “rocket”" in errors["items[0].kind"][0]


def test_an_identifier_empty_after_normalising_is_refused(enterprise):
    errors = errors_of(enterprise=enterprise, items=[scenario(identifier="　 ")])
    assert errors["items[0].identifier"] == ["Item 1: enter the Scenario name."]


def test_the_same_identifier_twice_in_one_report_is_refused(enterprise):
    errors = errors_of(
        enterprise=enterprise,
        items=[scenario(identifier="AB 1"), scenario(identifier="ab1")],
    )
    assert "repeats item 1" in errors["items[1].identifier"][0]


def test_attributes_must_be_allowed_by_the_item_kind(enterprise):
    errors = errors_of(
        enterprise=enterprise,
        items=[
            scenario(attributes={"colour": "red"}),
            scenario(identifier="x", attributes={"domain": "space"}),
            {
                "kind": "ai_drug_clinical",
                "identifier": "CTR1",
                "date": "2024-01-02",
                "attributes": {"domain": "rnd"},
            },
        ],
    )
    assert "“colour” is not allowed" in errors["items[0].attributes"][0]
    assert "“space” is not a valid domain" in errors["items[1].attributes"][0]
    assert "“domain” is not allowed" in errors["items[2].attributes"][0]


def test_unknown_item_fields_are_refused(enterprise):
    errors = errors_of(enterprise=enterprise, items=[scenario(approved=True)])
    assert "unknown field “approved”" in errors["items[0].approved"][0]


def test_all_errors_are_reported_at_once(enterprise):
    errors = errors_of(
        enterprise=enterprise,
        period=2030 * 4,
        metrics={"digital_staff": "x", "bogus": 1},
        items=[scenario(date="2031-01-01", kind="nope")],
    )
    assert {"period", "metrics", "metrics.digital_staff", "items[0].kind"} <= set(errors)
