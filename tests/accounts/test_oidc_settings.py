"""The PARCOURS_OIDC_* variables turn the provider's login on, in a fresh process as in production."""

import subprocess

from tests.accounts.test_deploy import run_python

PRINT_AUTH = (
    "from parcours import settings; "
    "print(settings.AUTHENTICATION_BACKENDS, settings.OIDC_RP_CLIENT_SECRET, settings.PARCOURS_OIDC_NAME)"
)


def settings_with(tmp_path, **extra) -> subprocess.CompletedProcess:
    return run_python(tmp_path, ["-c", PRINT_AUTH], **extra)


def test_off_without_configuration(tmp_path):
    result = settings_with(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("['parcours.accounts.backends.ThrottledModelBackend'] ")


def test_on_with_an_issuer_and_a_client_whose_secret_is_in_a_file(tmp_path):
    secret_file = tmp_path / "oidc-secret"
    secret_file.write_text("secret-du-client\n", encoding="utf-8")
    result = settings_with(
        tmp_path,
        PARCOURS_OIDC_ISSUER="https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet",
        PARCOURS_OIDC_CLIENT_ID="parcours",
        PARCOURS_OIDC_CLIENT_SECRET_FILE=str(secret_file),
        PARCOURS_OIDC_NAME="Pro Santé Connect",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "['parcours.accounts.backends.ThrottledModelBackend', 'parcours.integrations.oidc.OIDCBackend'] "
        "secret-du-client Pro Santé Connect"
    )


def test_an_incomplete_configuration_stops_the_start(tmp_path):
    result = settings_with(tmp_path, PARCOURS_OIDC_ISSUER="https://annuaire.example.org")
    assert result.returncode != 0
    assert (
        "La connexion OpenID Connect demande PARCOURS_OIDC_ISSUER, PARCOURS_OIDC_CLIENT_ID" in result.stderr
    )
