from django.conf import settings


def second_factor(request) -> dict:
    """`second_factor_disabled`: show the demonstration banner (PARCOURS_REQUIRE_2FA off)."""
    return {"second_factor_disabled": not settings.PARCOURS_REQUIRE_2FA}
