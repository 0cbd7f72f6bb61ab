"""Evidence files through the services: what counts as a file, the rule that some items need
one before submitting, files following their items through edits, and the audit trail."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reporting import evidence, selectors, services
from reporting.models import EvidenceEvent, EvidenceFile
from targets import services as catalogue_services
from targets.models import ItemKind
from tests import factories

from .evidence_helpers import DEVICE, DRUG, EXE, HTML, JPEG, PDF, PNG, SCENARIO, attach, ofd, upload
from .helpers import METRICS, report_create

pytestmark = pytest.mark.django_db


def update(submission, by, items):
    return services.submission_update(
        submission=submission, version=submission.version, metrics=METRICS, items=items, by=by
    )


def current(submission):
    return {
        f.name: f.position
        for f in EvidenceFile.objects.filter(submission=submission, removed_at__isnull=True)
    }


# --- what a file is ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, "application/pdf"),
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (ofd(), "application/ofd"),
        (EXE, None),
        (HTML, None),
        (b" %PDF-1.7", None),  # not at the start
        (ofd(root="ofd.xml"), None),  # the root document is OFD.xml exactly
        (b"PK\x03\x04" + b"\x00" * 100, None),  # looks like a ZIP, is not one
    ],
)
def test_the_type_is_read_from_the_content(content, expected):
    assert evidence.evidence_sniff(io.BytesIO(content)) == expected


def test_a_display_name_keeps_only_the_last_path_part_and_no_control_characters():
    assert evidence.display_name("C:\\证书\\注册证.pdf") == "注册证.pdf"
    assert evidence.display_name("../a\x00b\nc.pdf") == "abc.pdf"
    assert evidence.display_name("") == "evidence"
    assert len(evidence.display_name("长" * 400 + ".pdf")) == 255
    assert evidence.display_name("长" * 400 + ".pdf").endswith(".pdf")


def test_a_download_name_ends_in_the_files_real_type(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter, items=[DEVICE])
    assert evidence.download_name(attach(submission, reporter, name="scan.PDF")) == "scan.PDF"
    assert evidence.download_name(attach(submission, reporter, name="notice.html")) == (
        "notice.html.pdf"
    )


# --- the rule: some items need a file before the report is submitted ------------------------


def test_the_catalogue_requires_evidence_for_drugs_in_clinic_and_devices_approved(db):
    required = set(ItemKind.objects.filter(evidence_required=True).values_list("code", flat=True))
    assert required >= {"ai_drug_clinical", "smart_device_approval"}
    assert "scenario" not in required


def test_a_report_with_a_required_item_and_no_file_is_refused_on_submit(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter, items=[SCENARIO, DEVICE])
    with pytest.raises(ValidationError) as refused:
        services.submission_submit(submission=submission, by=reporter)
    assert set(refused.value.message_dict) == {"items[1].files"}
    assert "Item 2" in refused.value.message_dict["items[1].files"][0]
    submission.refresh_from_db()
    assert submission.status == "draft"


def test_with_the_file_attached_the_report_is_submitted(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter, items=[SCENARIO, DEVICE])
    attach(submission, reporter, position=1)
    submitted = services.submission_submit(submission=submission, by=reporter)
    assert submitted.status == "submitted"


def test_a_removed_file_no_longer_satisfies_the_rule(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter, items=[DRUG])
    evidence.evidence_remove(evidence=attach(submission, reporter), by=reporter)
    with pytest.raises(ValidationError):
        services.submission_submit(submission=submission, by=reporter)


def test_an_officials_submission_on_the_enterprises_behalf_is_not_held_to_the_rule(
    official, enterprise
):
    submission = report_create(enterprise=enterprise, by=official, items=[DRUG])
    assert services.submission_submit(submission=submission, by=official).status == "submitted"


def test_officials_change_the_rule_and_the_change_is_kept(reporter, enterprise, official):
    kind = ItemKind.objects.get(code="scenario")
    kind.evidence_required = True
    catalogue_services.item_kind_save(kind=kind, by=official)
    record = kind.history.first()
    assert (record.evidence_required, record.history_user) == (True, official)
    submission = report_create(enterprise=enterprise, by=reporter, items=[SCENARIO])
    with pytest.raises(ValidationError):
        services.submission_submit(submission=submission, by=reporter)


# --- attach, remove, check -----------------------------------------------------------------


def test_a_file_records_its_hash_size_type_and_who(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter, items=[DEVICE])
    evidence_file = attach(submission, reporter)
    assert evidence_file.size == len(PDF)
    assert len(evidence_file.sha256) == 64
    assert evidence_file.uploaded_by == reporter
    assert evidence_file.file.read() == PDF


def test_only_whoever_writes_the_enterprises_reports_attaches(
    reporter, enterprise, park_manager, analyst, other_enterprise
):
    submission = report_create(enterprise=enterprise, by=reporter, items=[DEVICE])
    stranger = factories.ReporterFactory(username="stranger", enterprise=other_enterprise)
    for user in (park_manager, analyst, stranger):
        with pytest.raises(PermissionDenied):
            attach(submission, user)
    assert not EvidenceFile.objects.exists()


def test_files_are_attached_and_removed_only_while_the_report_is_editable(
    reporter, enterprise, official
):
    submission = report_create(enterprise=enterprise, by=reporter, items=[DEVICE])
    evidence_file = attach(submission, reporter)
    services.submission_submit(submission=submission, by=reporter)
    with pytest.raises(evidence.EvidenceLocked):
        attach(submission, reporter)
    services.submission_approve(submission=submission, by=official)
    for who in (reporter, official):
        with pytest.raises(evidence.EvidenceLocked):
            evidence.evidence_remove(evidence=evidence_file, by=who)
    evidence_file.refresh_from_db()
    assert evidence_file.removed_at is None


def test_an_approved_reports_file_is_superseded_only_by_reopening_and_approving_again(
    reporter, enterprise, official
):
    submission = report_create(enterprise=enterprise, by=reporter, items=[DEVICE])
    old = attach(submission, reporter, name="old.pdf")
    services.submission_submit(submission=submission, by=reporter)
    services.submission_approve(submission=submission, by=official)
    services.submission_reopen(submission=submission, by=official, comment="wrong certificate")
    evidence.evidence_remove(evidence=old, by=reporter)
    attach(submission, reporter, name="new.pdf")
    services.submission_submit(submission=submission, by=reporter)
    services.submission_approve(submission=submission, by=official)
    assert current(submission) == {"new.pdf": 0}
    old.refresh_from_db()
    assert old.removed_at is not None
    assert old.file.read() == PDF  # kept for the audit


def test_evidence_files_cannot_be_bulk_deleted_or_updated(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter, items=[DEVICE])
    attach(submission, reporter)
    with pytest.raises(Exception, match="audited"):
        EvidenceFile.objects.all().delete()
    with pytest.raises(Exception, match="audited"):
        EvidenceFile.objects.update(name="x")
    assert EvidenceFile.objects.count() == 1


def test_a_reviewer_checks_a_file_and_can_withdraw_the_check(reporter, enterprise, official):
    submission = report_create(enterprise=enterprise, by=reporter, items=[DEVICE])
    evidence_file = attach(submission, reporter)
    checked = evidence.evidence_check(evidence=evidence_file, by=official)
    assert (checked.checked_by, checked.checked_at is not None) == (official, True)
    unchecked = evidence.evidence_check(evidence=evidence_file, by=official, checked=False)
    assert unchecked.checked_at is None
    with pytest.raises(PermissionDenied):
        evidence.evidence_check(evidence=evidence_file, by=reporter)


# --- files follow their items through edits ---------------------------------------------------


def test_files_follow_their_items_when_items_are_reordered(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter, items=[DRUG, DEVICE])
    attach(submission, reporter, position=0, name="drug.pdf")
    attach(submission, reporter, position=1, name="device.pdf")
    update(submission, reporter, [DEVICE, SCENARIO, DRUG])
    assert current(submission) == {"device.pdf": 0, "drug.pdf": 2}


def test_a_file_stays_with_its_item_when_the_identifier_is_corrected(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter, items=[SCENARIO, DRUG])
    attach(submission, reporter, position=1, name="drug.pdf")
    update(submission, reporter, [SCENARIO, {**DRUG, "identifier": "CXHL2400124"}])
    stored = EvidenceFile.objects.get()
    assert (stored.position, stored.identifier_key) == (1, "CXHL2400124")


def test_the_files_an_item_names_go_with_it(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter, items=[DRUG, DEVICE])
    drug_file = attach(submission, reporter, position=0, name="drug.pdf")
    # The first item is removed and the second renamed at once: its named file follows.
    device = {**DEVICE, "identifier": "国械注准20243210002", "files": [drug_file.pk]}
    update(submission, reporter, [device])
    assert current(submission) == {"drug.pdf": 0}


def test_the_files_of_a_removed_item_are_removed_and_the_trail_says_why(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter, items=[SCENARIO, DRUG])
    attach(submission, reporter, position=1, name="drug.pdf")
    update(submission, reporter, [SCENARIO])
    assert current(submission) == {}
    removal = EvidenceEvent.objects.get(action="remove")
    assert removal.comment == "The item was removed from the report."
    assert removal.by == reporter


def test_a_report_refuses_files_that_are_not_a_list_of_ids(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter, items=[DRUG])
    with pytest.raises(ValidationError) as refused:
        update(submission, reporter, [{**DRUG, "files": "all"}])
    assert "items[0].files" in refused.value.message_dict


# --- the form's one step: save, attach and submit ----------------------------------------------


def test_the_form_saves_attaches_and_submits_in_one_transaction(reporter, enterprise):
    saved = services.submission_save(
        submission=None,
        enterprise=enterprise,
        period=2024 * 4,
        metrics=METRICS,
        items=[SCENARIO, DEVICE],
        by=reporter,
        submit=True,
        files={1: [upload(PDF, "注册证.pdf")]},
    )
    assert saved.status == "submitted"
    assert current(saved) == {"注册证.pdf": 1}


def test_a_refused_file_in_the_form_saves_nothing(reporter, enterprise):
    with pytest.raises(ValidationError) as refused:
        services.submission_save(
            submission=None,
            enterprise=enterprise,
            period=2024 * 4,
            metrics=METRICS,
            items=[SCENARIO, DEVICE],
            by=reporter,
            files={1: [upload(HTML, "notice.pdf")]},
        )
    assert "items[1].files" in refused.value.message_dict
    assert not EvidenceFile.objects.exists()
    assert not enterprise.submissions.exists()


# --- the audit trail -----------------------------------------------------------------------------


def test_the_audit_trail_lists_uploads_removals_checks_and_officials_downloads(
    reporter, enterprise, official
):
    submission = report_create(enterprise=enterprise, by=reporter, items=[DEVICE])
    first = attach(submission, reporter, name="first.pdf")
    evidence.evidence_remove(evidence=first, by=reporter)
    second = attach(submission, reporter, name="second.pdf")
    services.submission_submit(submission=submission, by=reporter)
    evidence.evidence_check(evidence=second, by=official)
    evidence.evidence_download_record(evidence=second, by=official)
    evidence.evidence_download_record(evidence=second, by=reporter)  # not an official's
    trail = [
        (entry["action"], entry["by"])
        for entry in selectors.submission_history(submission=submission)
    ]
    assert trail == [
        ("create", "reporter"),
        ("attach", "reporter"),
        ("remove", "reporter"),
        ("attach", "reporter"),
        ("submit", "reporter"),
        ("check", "official"),
        ("download", "official"),
    ]
