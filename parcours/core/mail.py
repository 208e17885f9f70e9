"""Notices by e-mail: they never carry personal data (docs/security.md)."""

import logging

from django.core.mail import send_mail

logger = logging.getLogger(__name__)


def send_each(subject: str, body: str, addresses: list[str]) -> int:
    """One e-mail per address (nobody sees the others'). A failure is logged without any address or
    detail, and what the e-mail announces stays in Parcours. Called once the transaction committed."""
    sent = 0
    for address in addresses:
        try:
            sent += send_mail(subject, body, None, [address])
        except Exception as exc:  # noqa: BLE001 - an unreachable mail server must lose nothing
            logger.warning("Avis par courriel non envoyé (%s).", type(exc).__name__)
    return sent
