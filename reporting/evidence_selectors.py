"""Reads of evidence files: what a user may open, a report's files by item, the files behind
the dashboard's and the workbook's evidence rows, and their audit trail."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any, TypedDict

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse

from core import policies

from .models import EvidenceEvent, EvidenceFile, Submission


def evidence_list(*, user: policies.Actor) -> QuerySet[EvidenceFile]:
    """The current (not removed) files the user may open (``core.policies.evidence_q``)."""
    return EvidenceFile.objects.filter(
        policies.evidence_q(user, "enterprise__"), removed_at__isnull=True
    )


def evidence_get(*, user: policies.Actor, public_id: uuid.UUID | str) -> EvidenceFile | None:
    """The file behind a link, or None when the user may not open it (or it is not there).
    A removed file is kept for the audit trail: officials still open it from there."""
    files = EvidenceFile.objects.filter(policies.evidence_q(user, "enterprise__"))
    if not policies.can_read_removed_evidence(user):
        files = files.filter(removed_at__isnull=True)
    return files.select_related("submission", "kind").filter(public_id=public_id).first()


def evidence_by_item(
    *, user: policies.Actor, submission: Submission
) -> dict[int, list[EvidenceFile]]:
    """A report's current files the user may open, by the position of their item (one
    query, or none when ``submission`` came with ``current_evidence`` prefetched)."""
    if not policies.can_read_evidence(user):
        return {}
    # Whoever sees the report and may open evidence at all may open its files.
    prefetched = getattr(submission, "current_evidence", None)
    files: Iterable[EvidenceFile] = (
        prefetched
        if prefetched is not None
        else evidence_list(user=user).filter(submission=submission).select_related("checked_by")
    )
    found: dict[int, list[EvidenceFile]] = {}
    for evidence in files:
        found.setdefault(evidence.position, []).append(evidence)
    return found


def current_evidence_prefetch() -> Prefetch[Any]:
    """Prefetch a list of reports' current files as ``current_evidence`` (one query)."""
    return Prefetch(
        "evidence_files",
        queryset=EvidenceFile.objects.filter(removed_at__isnull=True).select_related("checked_by"),
        to_attr="current_evidence",
    )


def evidence_for_claims(
    *, user: policies.Actor, claims: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], list[EvidenceFile]]:
    """The files the user may open behind items named by (report id, identifier key), as
    the evidence tables list them (one query for them all)."""
    wanted = set(claims)
    if not wanted or not policies.can_read_evidence(user):
        return {}
    rows = (
        evidence_list(user=user)
        .filter(
            submission_id__in={report for report, _key in wanted},
            identifier_key__in={key for _report, key in wanted},
        )
        .only("public_id", "name", "content_type", "submission_id", "identifier_key", "position")
        .order_by("submission_id", "position", "uploaded_at", "id")
    )
    found: dict[tuple[int, str], list[EvidenceFile]] = {}
    for evidence in rows:
        key = (evidence.submission_id, evidence.identifier_key)
        if key in wanted:
            found.setdefault(key, []).append(evidence)
    return found


def download_url(evidence: EvidenceFile) -> str:
    """The page link (session); the API's is ``api_download_url``."""
    return reverse("reporting:evidence-download", args=[evidence.public_id])


def preview_url(evidence: EvidenceFile) -> str | None:
    if not evidence.previewable:
        return None
    return reverse("reporting:evidence-preview", args=[evidence.public_id])


def api_download_url(evidence: EvidenceFile) -> str:
    return reverse("evidence-download", args=[evidence.public_id])


# --- the audit trail ------------------------------------------------------------------------


class EvidenceHistoryEntry(TypedDict):
    at: dt.datetime
    by: str | None
    action: str
    comment: str
    version: int
    changes: list[dict[str, Any]]


def evidence_history(*, submission: Submission) -> list[EvidenceHistoryEntry]:
    """The report's evidence events, oldest first, in the shape of its audit trail: the
    action ("attach", "remove", "check", "uncheck", "download") and the file as a change of
    "files" ("item 2: notice.pdf (sha256 …)")."""
    events = (
        EvidenceEvent.objects.filter(submission=submission)
        .select_related("by", "file")
        .order_by("at", "id")
    )
    entries: list[EvidenceHistoryEntry] = []
    for event in events:
        evidence = event.file
        label = f"#{evidence.position + 1} {evidence.name} (SHA-256 {evidence.sha256[:12]}…)"
        removed = event.action == EvidenceEvent.Action.REMOVE
        entries.append(
            EvidenceHistoryEntry(
                at=event.at,
                by=event.by.get_username() if event.by is not None else None,
                action=str(event.action),
                comment=event.comment,
                version=event.version,
                changes=[
                    {
                        "field": "files",
                        "old": label if removed else None,
                        "new": None if removed else label,
                    }
                ],
            )
        )
    return entries


class EvidenceLink(TypedDict):
    name: str
    url: str


def evidence_links(
    *, user: policies.Actor, claims: Iterable[tuple[int, str]], absolute: bool = False
) -> dict[tuple[int, str], list[EvidenceLink]]:
    """``evidence_for_claims`` as links for the evidence tables: the page's, or with
    ``absolute`` the site's address first (``DX_SITE_URL``) for downloaded tables and the
    workbook, which are read away from the site."""
    prefix = str(settings.DX_SITE_URL).rstrip("/") if absolute else ""
    return {
        key: [EvidenceLink(name=f.name, url=prefix + download_url(f)) for f in files]
        for key, files in evidence_for_claims(user=user, claims=claims).items()
    }


def evidence_links_text(links: list[EvidenceLink]) -> str | None:
    """Links in one cell of a table or sheet: "name url", one a line."""
    return "\n".join(f"{link['name']} {link['url']}" for link in links) or None
