"""Production settings: refuse unsafe values, pass `check --deploy` with a real secret."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REAL_SECRET = "p7x!k2@qv9#m4$w8^z1&n6*r3(t5)y0_u-i+o=l;a:s.d,f/g?h~j`c<b>e[q]w{e}r|"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_ALLOWED_HOSTS": "dx.example.gov.cn",
        "DATABASE_URL": "sqlite:////tmp/dx-deploy-check.sqlite3",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_with_the_default_secret():
    result = run_manage("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_with_debug_on():
    result = run_manage("check", DJANGO_SECRET_KEY=REAL_SECRET, DJANGO_DEBUG="1")
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


def test_production_with_a_real_secret_passes_check_deploy_without_warnings():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", DJANGO_SECRET_KEY=REAL_SECRET
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
