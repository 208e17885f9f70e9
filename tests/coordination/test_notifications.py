from django.core import mail

from parcours.coordination.enums import NotificationKind
from parcours.coordination.models import Notification
from parcours.coordination.notifications import notify


def test_a_notice_per_user_and_an_email_that_names_nobody(department, django_capture_on_commit_callbacks):
    users = [department.esat_pro.user, department.esat_director.user, department.esat_pro.user]
    users[0].email, users[1].email = "karim@example.org", ""
    with django_capture_on_commit_callbacks(execute=True):
        notify(users, NotificationKind.REQUEST_RECEIVED, f"/coordination/demandes/{department.tom.uuid}/")
    assert Notification.objects.filter(kind=NotificationKind.REQUEST_RECEIVED).count() == 2
    assert [message.to for message in mail.outbox] == [["karim@example.org"]]
    text = mail.outbox[0].subject + mail.outbox[0].body
    for secret in ("Moreau", "Tom", "ESAT", "Rhône"):
        assert secret not in text
