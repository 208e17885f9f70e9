"""Start the test provider: `python -m tests.oidc_provider.serve`, with OIDC_PROVIDER_CONFIG naming its
JSON configuration. Creates its database, users and client application, listens on a free
127.0.0.1 port and writes that port to the configuration's `port_file` once it accepts requests."""

import os
from pathlib import Path


def create_accounts(config: dict) -> None:
    from django.contrib.auth.models import User
    from oauth2_provider.models import Application

    for username, account in config["users"].items():
        User.objects.create_user(username, email=account["email"], password=account["password"])
    client = config["client"]
    Application.objects.create(
        name="Parcours",
        client_id=client["id"],
        client_secret=client["secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=client["redirect_uri"],
        post_logout_redirect_uris=client["post_logout_redirect_uri"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0)
    create_accounts(settings.CONFIG)
    port_file = Path(settings.CONFIG["port_file"])

    def announce(port: int) -> None:
        port_file.write_text(str(port), encoding="utf-8")

    run("127.0.0.1", 0, get_wsgi_application(), threading=True, on_bind=announce)


if __name__ == "__main__":
    main()
