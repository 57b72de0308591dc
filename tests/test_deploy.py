from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The browser tests allow sync database calls under Playwright's event loop; a
    # deployment never would.
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# sqlite_only: runs manage.py on a SQLite file of its own; the engine is not under test.
@pytest.mark.sqlite_only
def test_deploy_production_profile_passes_check_deploy(tmp_path: Path) -> None:
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x7Qp-" + "k3v9Zr2Lm8Tn4Wb6Yc1Hd5Jf0Gs" * 2,
        "DJANGO_ALLOWED_HOSTS": "refdesk.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_production_profile_refuses_to_start_without_a_secret_key(
    tmp_path: Path,
) -> None:
    env = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": ""}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_deploy_database_url_selects_postgresql() -> None:
    code = (
        "import os; os.environ['DATABASE_URL']='postgres://u:p@db.internal:5432/refdesk';"
        "os.environ['DJANGO_SETTINGS_MODULE']='config.settings';"
        "from django.conf import settings;"
        "d=settings.DATABASES['default'];"
        "print(d['ENGINE'], d['NAME'], d['HOST'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "refdesk",
        "db.internal",
    ]


# sqlite_only: runs manage.py on a SQLite file of its own; the engine is not under test.
@pytest.mark.sqlite_only
def test_a_django_log_line_is_written_once(tmp_path: Path) -> None:
    code = "import logging; logging.getLogger('django.request').warning('marker-line')"
    for debug in ("1", "0"):
        result = _manage(
            "shell",
            "-c",
            code,
            env={
                "DJANGO_DEBUG": debug,
                "DJANGO_SECRET_KEY": "x7Qp-" + "k3v9Zr2Lm8Tn4Wb6Yc1Hd5Jf0Gs" * 2,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            },
        )
        output = result.stdout + result.stderr
        assert output.count("marker-line") == 1, (debug, output)
