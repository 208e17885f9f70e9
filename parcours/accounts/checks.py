from django.conf import settings
from django.core.checks import Tags, Warning, register

from parcours.integrations import oidc


@register(Tags.security, deploy=True)
def second_factor_enabled(app_configs, **kwargs):
    if settings.PARCOURS_REQUIRE_2FA:
        return []
    return [
        Warning(
            "La double authentification est désactivée (PARCOURS_REQUIRE_2FA=0).",
            hint="Réservé à la démonstration sur données synthétiques : retirez PARCOURS_REQUIRE_2FA.",
            id="parcours.accounts.W001",
        )
    ]


@register(Tags.security, deploy=True)
def provider_over_https(app_configs, **kwargs):
    """The provider's endpoints carry the codes and tokens that open a session: HTTPS only."""
    names = ["PARCOURS_OIDC_ISSUER", *oidc.ENDPOINTS]
    plain = [name for name in names if getattr(settings, name, "").startswith("http://")]
    if not oidc.enabled() or not plain:
        return []
    return [
        Warning(
            f"Le fournisseur d'identité OpenID Connect est joint sans HTTPS ({', '.join(plain)}).",
            hint="Donnez des adresses https:// : les codes et jetons de connexion y passent.",
            id="parcours.accounts.W002",
        )
    ]
