"""Files for the evidence tests: real PDF, JPEG, PNG and OFD bytes, and impostors."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from demo.certificates import certificate_pdf
from reporting import evidence
from reporting.models import EvidenceFile, Submission

PDF = certificate_pdf(title="医疗器械注册证", lines=["国械注准20243210001"])
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
# A Windows executable renamed to .pdf, and a web page called .pdf.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"

DRUG = {
    "kind": "ai_drug_clinical",
    "identifier": "CXHL2400123",
    "title": "AI 辅助设计的小分子",
    "date": "2024-02-20",
}
DEVICE = {
    "kind": "smart_device_approval",
    "identifier": "国械注准20243210001",
    "title": "智能影像辅助诊断软件",
    "date": "2024-03-10",
}
SCENARIO = {
    "kind": "scenario",
    "identifier": "MES rollout",
    "title": "MES",
    "date": "2024-02-01",
    "attributes": {"domain": "production"},
}


def ofd(*, root: str = "OFD.xml") -> bytes:
    """A ZIP holding ``root`` (an OFD has OFD.xml at its root)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            root, '<?xml version="1.0"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>'
        )
        archive.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return buffer.getvalue()


def upload(content: bytes = PDF, name: str = "注册证.pdf", **kwargs: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, **kwargs)


def attach(
    submission: Submission, by, position: int = 0, content: bytes = PDF, name: str = "证书.pdf"
) -> EvidenceFile:
    return evidence.evidence_attach(
        submission=submission, position=position, upload=upload(content, name), by=by
    )
