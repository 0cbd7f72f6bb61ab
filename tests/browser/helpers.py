"""What the browser tests share: logging in and out, a small programme with figures, and
screenshots (into docs/screenshots/ when DX_SCREENSHOTS names that folder)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from playwright.sync_api import Page

from accounts.models import User
from enterprises.models import Enterprise
from enterprises.services import designation_create
from parks.models import Park
from progress import services
from tests import factories
from tests.factories import SubmissionFactory

PASSWORD = "pw-12345678"
SCREENSHOTS = Path(os.environ.get("DX_SCREENSHOTS", "/tmp/dx-screenshots"))


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def log_out(page: Page) -> None:
    page.click("form[action$='/logout/'] button")
    page.wait_for_url("**/accounts/login/**")


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@dataclass
class Programme:
    official: User
    analyst: User
    park_manager: User
    reporter: User
    park: Park
    other_park: Park
    enterprise: Enterprise
    other_enterprise: Enterprise


def programme() -> Programme:
    """Two parks in two districts, a few enterprises with approved reports over several
    quarters, designations, the four roles, and every figure computed."""
    park = factories.ParkFactory(code="ZJ-B", name_zh="张江药谷", name_en="Zhangjiang")
    other_park = factories.ParkFactory(
        code="MG-B",
        name_zh="东方美谷",
        name_en="Oriental Beauty Valley",
        district=factories.district("310120"),
    )
    enterprise = cast(
        Enterprise,
        factories.EnterpriseFactory(
            name="上海示例生物医药有限公司",
            park=park,
            district=park.district,
            is_key=True,
            above_scale=True,
        ),
    )
    other = cast(
        Enterprise,
        factories.EnterpriseFactory(
            name="上海美谷生物科技有限公司",
            park=other_park,
            district=other_park.district,
            is_key=True,
        ),
    )
    for index, quarter in enumerate(range(2023 * 4, 2025 * 4 + 3)):
        for company, talent in ((enterprise, 1 + index % 2), (other, index % 3)):
            SubmissionFactory(
                enterprise=company,
                period=quarter,
                metrics={
                    "talent_high_end_new": talent,
                    "cloud_adopted": index > 2,
                    "dx_transformed": index > 6,
                    "digital_staff": 10 + index,
                },
                items=[
                    {
                        "kind": "scenario",
                        "identifier": f"场景{index}",
                        "date": f"{quarter // 4}-{(quarter % 4) * 3 + 1:02d}-15",
                        "attributes": {"domain": "production"},
                    }
                ],
                approved=True,
            )
    for day in (dt.date(2023, 12, 1), dt.date(2024, 11, 20)):
        designation_create(kind="smart_factory_benchmark", granted_on=day, enterprise=other.uscc)
    designation_create(kind="demo_park", granted_on=dt.date(2024, 4, 18), park=park.code)
    services.snapshots_rebuild()
    return Programme(
        official=cast(User, factories.OfficialFactory(username="jingxin")),
        analyst=cast(User, factories.AnalystFactory(username="fenxi")),
        park_manager=cast(User, factories.ParkManagerFactory(username="yuanqu", park=park)),
        reporter=cast(User, factories.ReporterFactory(username="qiye", enterprise=enterprise)),
        park=park,
        other_park=other_park,
        enterprise=enterprise,
        other_enterprise=other,
    )
