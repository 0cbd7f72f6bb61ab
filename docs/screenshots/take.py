"""Screenshots of the main pages on the demo data, as each role, in Chinese and in English.

    .venv/bin/python docs/screenshots/take.py [--keep]

Seeds the demo into a SQLite database of its own (a temporary directory; ``--keep`` leaves
it), serves it with ``runserver`` on a free loopback port, and opens each page in Debian's
Chromium (/usr/bin/chromium, Playwright) at 1366 px wide, zh-CN and en-US, writing
``docs/screenshots/<name>-<zh|en>.png`` (the top of the page, at most 2,000 px). Every page
must answer 200 and draw its charts; the script stops at the first that does not.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "demo12345"  # the published demo logins (README)
WIDTH, MAX_HEIGHT = 1366, 2000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def _shell(env: dict[str, str], code: str) -> str:
    return _manage(env, "shell", "-c", code).strip().splitlines()[-1]


def _log_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _shoot(page: Page, base: str, path: str, name: str, lang: str) -> None:
    response = page.goto(f"{base}{path}", wait_until="networkidle")
    assert response is not None, path
    assert response.status == 200, (path, response.status)
    if page.locator(".js-plotly-plot, [data-chart]").count():
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=15_000)
        page.wait_for_timeout(300)
    height = min(MAX_HEIGHT, int(page.evaluate("document.documentElement.scrollHeight")))
    target = OUT / f"{name}-{lang}.png"
    page.screenshot(
        path=str(target), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": height}
    )
    print(f"{target.relative_to(ROOT)}  {path}")


def main() -> None:
    keep = "--keep" in sys.argv or "--reuse" in sys.argv
    reuse = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--reuse=")), None)
    work = Path(reuse) if reuse else Path(tempfile.mkdtemp(prefix="dx-shots-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "DJANGO_MEDIA_ROOT": str(work / "media"),
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    }
    env.pop("CELERY_BROKER_URL", None)
    print(f"# seeding the demo into {work} ...")
    started = time.perf_counter()
    _manage(env, "migrate", "--no-input")
    migrated = time.perf_counter()
    _manage(env, "seed_demo")
    print(f"# migrate {migrated - started:.0f} s, seed_demo {time.perf_counter() - migrated:.0f} s")
    report = _shell(
        env,
        "from reporting.models import Submission as S; from reporting.models import EvidenceFile"
        " as E; f = E.objects.filter(submission__status__in=['submitted', 'pre_approved'])"
        ".order_by('-submission__period').first(); print(f.submission_id if f else"
        " S.objects.filter(status='submitted').order_by('-period').first().pk)",
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        OUT.mkdir(parents=True, exist_ok=True)
        shots: list[tuple[str | None, str, str]] = [
            (None, "/public/", "public"),
            ("official", "/progress/", "overview"),
            ("official", "/progress/targets/SH23-SCENARIO/", "target"),
            ("official", "/progress/districts/310115/", "district"),
            ("official", "/progress/compare/", "compare"),
            ("official", "/reports/review/", "review-queue"),
            ("official", f"/reports/{report}/", "review-report-evidence"),
            ("official", "/progress/manage/allocations/SH23-SCENARIO/", "allocations"),
            ("official", "/progress/manage/publications/", "publications"),
            ("official", "/reports/completeness/", "completeness"),
            ("analyst", "/exchange/exports/", "workbook"),
            ("park_zj", "/progress/parks/ZJ/", "park"),
            ("park_zj", "/reports/review/", "pre-review-queue"),
            ("district_pd", "/progress/districts/310115/", "district-official"),
            ("ent_demo", "/reports/", "my-reports"),
        ]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            for lang, locale in (("zh", "zh-CN"), ("en", "en-US")):
                context = browser.new_context(
                    locale=locale, viewport={"width": WIDTH, "height": 900}
                )
                page = context.new_page()
                user: str | None = ""
                for who, path, name in shots:
                    if who != user:
                        if who is None:
                            context.clear_cookies()
                        else:
                            _log_in(page, base, who)
                        user = who
                    _shoot(page, base, path, name, lang)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
