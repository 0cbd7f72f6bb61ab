"""The demo's drugs in clinic and devices approved come with a generated certificate."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from demo.certificates import certificate_pdf
from demo.plan import demo_plan
from demo.seed import demo_reset, demo_seed
from reporting.evidence import evidence_sniff
from reporting.models import EvidenceFile, Item, evidence_storage

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)
PLAN = demo_plan(today=TODAY)
REPORTER = PLAN.reporter_enterprise


def test_a_generated_certificate_is_a_small_pdf():
    content = certificate_pdf(title="医疗器械注册证", lines=["国械注准20243210001"])
    assert evidence_sniff(io.BytesIO(content)) == "application/pdf"
    assert content.rstrip().endswith(b"%%EOF")
    assert len(content) < 4000


def test_every_demo_item_that_needs_evidence_has_a_pdf_attached_by_the_reporter():
    demo_seed(today=TODAY, enterprises=[REPORTER.uscc])
    items = Item.objects.filter(
        enterprise__uscc=REPORTER.uscc, kind__evidence_required=True
    ).select_related("kind")
    assert items.exists()
    for item in items:
        files = EvidenceFile.objects.filter(
            submission_id=item.submission_id,
            identifier_key=item.identifier_key,
            removed_at__isnull=True,
        )
        assert [f.content_type for f in files] == ["application/pdf"], item
        assert files[0].uploaded_by.username == "ent_demo"
    # Only those items: scenarios and standards need none, and none was given.
    assert EvidenceFile.objects.count() == items.count()


def test_resetting_the_demo_deletes_its_files_too():
    demo_seed(today=TODAY, enterprises=[REPORTER.uscc])
    names = list(EvidenceFile.objects.values_list("file", flat=True))
    assert names
    demo_reset()
    assert not EvidenceFile.objects.exists()
    assert not any(evidence_storage().exists(name) for name in names)
