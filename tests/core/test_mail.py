from django.core import mail
from django.test import override_settings

from parcours.core.mail import send_each


def test_one_email_per_address_nobody_sees_the_others():
    assert send_each("Parcours", "Du nouveau.", ["a@example.org", "b@example.org"]) == 2
    assert [message.to for message in mail.outbox] == [["a@example.org"], ["b@example.org"]]


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=1,
    EMAIL_USE_TLS=False, EMAIL_TIMEOUT=2,
)  # fmt: skip
def test_an_unreachable_mail_server_is_logged_without_the_address(caplog):
    assert send_each("Parcours", "Du nouveau.", ["secret@example.org"]) == 0
    assert "Avis par courriel non envoyé" in caplog.text
    assert "secret@example.org" not in caplog.text
