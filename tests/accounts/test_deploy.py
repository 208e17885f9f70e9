"""`parcours check --deploy` is clean with production settings: PARCOURS_DEBUG unset, a secret key and
allowed hosts, nothing else."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def check_deploy(tmp_path, **extra) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PARCOURS_", "DJANGO_"))}
    env.update(
        {
            "PARCOURS_SECRET_KEY": secrets.token_urlsafe(50),
            "PARCOURS_ALLOWED_HOSTS": "parcours.example.org",
            "PARCOURS_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'parcours.sqlite3'}",
            **extra,
        }
    )
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "parcours", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_when_the_second_factor_is_off(tmp_path):
    result = check_deploy(tmp_path, PARCOURS_REQUIRE_2FA="0")
    assert result.returncode != 0
    assert "parcours.accounts.W001" in result.stderr + result.stdout
