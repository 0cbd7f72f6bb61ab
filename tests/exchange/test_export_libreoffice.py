"""The workbook opens in a real spreadsheet program: LibreOffice (headless) converts every
sheet to CSV, and the hostile name comes out as text.

Skipped with a message when /usr/bin/soffice is missing, unless DX_REQUIRE_BROWSER=1 (CI)
says the tools must be there."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from tests.exchange.test_export import HOSTILE, _dataset

SOFFICE = Path("/usr/bin/soffice")
# Text CSV export of every sheet (the last token, -1) as UTF-8, one file per sheet.
ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1"
TIMEOUT = 180

pytestmark = pytest.mark.django_db


@pytest.fixture
def soffice() -> Path:
    if not (SOFFICE.exists() and os.access(SOFFICE, os.X_OK)):
        if os.environ.get("DX_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{SOFFICE} is missing and DX_REQUIRE_BROWSER=1.", pytrace=False)
        pytest.skip(f"{SOFFICE} is missing: install libreoffice-calc to run this test.")
    return SOFFICE


def test_libreoffice_converts_every_sheet_of_the_workbook(
    soffice, as_official, park, other_park, tmp_path, django_capture_on_commit_callbacks
):
    _dataset(park, other_park)
    with django_capture_on_commit_callbacks(execute=True):
        created = as_official.post("/api/v1/exports/", {"scope": "city"}, format="json")
    status = as_official.get(f"/api/v1/exports/{created.json()['id']}/").json()
    assert status["status"] == "done", status
    book = tmp_path / "book.xlsx"
    book.write_bytes(b"".join(as_official.get(status["download_url"]).streaming_content))
    sheets = openpyxl.load_workbook(book, read_only=True).sheetnames

    out = tmp_path / "out"
    profile = tmp_path / "profile"
    result = subprocess.run(
        [
            str(soffice),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            ALL_SHEETS,
            "--outdir",
            str(out),
            str(book),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0, result.stderr
    written = {path.name for path in out.glob("*.csv")}
    assert written == {f"book-{name}.csv" for name in sheets}, (written, result.stdout)
    for name in sheets:
        with open(out / f"book-{name}.csv", encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows, name
        assert rows[0], name
    with open(out / "book-Enterprises.csv", encoding="utf-8", newline="") as handle:
        enterprises = list(csv.DictReader(handle))
    assert HOSTILE in {row["Name"] for row in enterprises}  # text, not a computed link
    with open(out / "book-Summary.csv", encoding="utf-8", newline="") as handle:
        summary = {row["Code"]: row for row in csv.DictReader(handle)}
    assert summary["SH23-AI-DRUG"]["Actual"] == "1"
