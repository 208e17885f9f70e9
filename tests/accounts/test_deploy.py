"""`parcours check --deploy` is clean with production settings: PARCOURS_DEBUG unset, a secret key and
allowed hosts, nothing else."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from parcours.core import crypto

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path, **extra) -> dict[str, str]:
    """The environment of a production start: no PARCOURS_ variable but a secret key and hosts, and
    the data keys file an instance has in its var directory (docs/security.md)."""
    if not (tmp_path / "data_keys").exists():
        crypto.write_key_file(tmp_path / "data_keys", [crypto.new_key()])
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
    return env


def run_python(tmp_path, arguments: list[str], **extra) -> subprocess.CompletedProcess:
    """Python in a fresh process with the production environment (and `extra` variables)."""
    return subprocess.run(  # noqa: S603 - our own code, fixed arguments
        [sys.executable, *arguments],
        cwd=ROOT,
        env=production_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def check_deploy(tmp_path, **extra) -> subprocess.CompletedProcess:
    return run_python(tmp_path, ["-m", "parcours", "check", "--deploy", "--fail-level", "WARNING"], **extra)


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_when_the_second_factor_is_off(tmp_path):
    result = check_deploy(tmp_path, PARCOURS_REQUIRE_2FA="0")
    assert result.returncode != 0
    assert "parcours.accounts.W001" in result.stderr + result.stdout


def test_check_deploy_warns_when_the_identity_provider_is_reached_without_https(tmp_path):
    result = check_deploy(
        tmp_path,
        PARCOURS_OIDC_ISSUER="http://annuaire.example.org/realms/gestionnaire",
        PARCOURS_OIDC_CLIENT_ID="parcours",
        PARCOURS_OIDC_CLIENT_SECRET="secret-du-client",
    )
    assert "(parcours.accounts.W002) Le fournisseur d'identité OpenID Connect est joint sans HTTPS" in (
        result.stdout + result.stderr
    )
    assert "PARCOURS_OIDC_ISSUER" in result.stdout + result.stderr
    result = check_deploy(
        tmp_path,
        PARCOURS_OIDC_ISSUER="https://annuaire.example.org/realms/gestionnaire",
        PARCOURS_OIDC_CLIENT_ID="parcours",
        PARCOURS_OIDC_CLIENT_SECRET="secret-du-client",
    )
    assert "W002" not in result.stdout + result.stderr
