from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    """The claims of each user as the test configuration describes them, `acr` included: the
    authentication method the provider says it used (e.g. a card, or a password only)."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "acr": "openid"}

    def get_additional_claims(self, request):
        account = settings.CONFIG["users"][request.user.username]
        claims = {key: account[key] for key in ("email", "email_verified", "given_name", "family_name")}
        if account.get("acr"):
            claims["acr"] = account["acr"]
        return claims
