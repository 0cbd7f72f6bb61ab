"""Playwright against Django's live server, with Debian's Chromium (nothing is downloaded).

Without /usr/bin/chromium the browser tests are skipped, unless DX_REQUIRE_BROWSER=1 says a
missing browser is a failure (CI images that must run them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

# The sync Playwright API runs an event loop in the test's thread; the ORM calls the tests
# make there between page steps are still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("DX_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is missing and DX_REQUIRE_BROWSER=1.", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    _require_chromium()
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # The product's default language: the browser asks for Simplified Chinese.
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "viewport": {"width": 1366, "height": 900},
    }
