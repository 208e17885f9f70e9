from django.conf import settings
from django.core.checks import Tags, Warning, register


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
