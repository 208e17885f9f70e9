"""The coordination's data follow the record's rules: the export of the person's data holds it, and
the end of the retention periods blanks or erases it without leaving anything behind."""

import datetime

from django.utils import timezone

from parcours.coordination.enums import CircleRole, LiaisonStatus, RequestStatus, ThreadAudience
from parcours.coordination.models import (
    AdmissionRequest,
    AdmissionRequestEvent,
    CircleEvent,
    CircleMember,
    CircleMessage,
    CircleTask,
    CircleThread,
    LiaisonFile,
)
from parcours.privacy import export
from parcours.retention.disposal import dispose
from parcours.retention.enums import FinalAction, RetentionCategory


def stored_coordination(d):
    today = timezone.localdate()
    request = AdmissionRequest.objects.create(
        person=d.tom, mdph_decision=d.orientation_esat, establishment=d.esat, mode="externat",
        status=RequestStatus.SENT, status_date=today, sent_on=today, sent_by=d.ime_pro.user, sent_from=d.ime,
        comment="Tom souhaite travailler en espaces verts",
    )  # fmt: skip
    AdmissionRequestEvent.objects.create(
        request=request, status=RequestStatus.SENT, date=today, comment="Envoi", recorded_by=d.ime_pro.user
    )
    LiaisonFile.objects.create(
        person=d.tom, from_establishment=d.ime, to_establishment=d.esat, parts=["identity"],
        content='{"identity": {"birth_name": "Moreau"}}', status=LiaisonStatus.SENT,
        prepared_by=d.ime_pro.user,
    )  # fmt: skip
    pro = CircleMember.objects.create(
        person=d.tom, user=d.ime_pro.user, role=CircleRole.COORDINATOR, added_by=d.ime_director.user
    )
    CircleMember.objects.create(
        person=d.tom, relative=d.mother, role=CircleRole.CARER, added_by=d.ime_pro.user
    )
    CircleTask.objects.create(person=d.tom, title="Visiter l'ESAT", owner=pro, created_by=d.ime_pro.user)
    CircleEvent.objects.create(
        person=d.tom, title="Visite de l'ESAT", starts_at=timezone.now() + datetime.timedelta(days=3),
        with_whom="Claire Moreau", created_by=d.ime_pro.user,
    )  # fmt: skip
    thread = CircleThread.objects.create(
        person=d.tom, audience=ThreadAudience.FAMILY, subject="La visite", started_by=d.ime_pro.user
    )
    CircleMessage.objects.create(thread=thread, author=d.ime_pro.user, body="Rendez-vous jeudi à 10 h.")
    return request


def test_the_export_holds_the_requests_liaison_files_and_circle(department):
    stored_coordination(department)
    data = export.collect(department.tom, about={}).as_json()
    request = data["admission_requests"][0]
    assert request["status"] == {"code": "39", "label": "Notification envoyée"}
    assert request["events"][0]["comment"] == "Envoi"
    assert data["liaison_files"][0]["parts"] == ["identity"]
    assert {member["role"]["code"] for member in data["circle"]} == {"coordinator", "carer"}
    assert data["circle_tasks"][0]["title"] == "Visiter l'ESAT"
    assert data["circle_agenda"][0]["with_whom"] == "Claire Moreau"
    assert data["circle_threads"][0]["messages"][0]["body"] == "Rendez-vous jeudi à 10 h."


def test_anonymising_erases_the_circle_and_blanks_what_names_someone(department):
    request = stored_coordination(department)
    dispose(department.tom, RetentionCategory.IDENTITY, FinalAction.ANONYMISATION)
    dispose(department.tom, RetentionCategory.PARCOURS, FinalAction.ANONYMISATION)
    assert not CircleMember.objects.filter(person=department.tom).exists()
    assert not CircleThread.objects.filter(person=department.tom).exists()
    assert LiaisonFile.objects.get(person=department.tom).content == ""
    request.refresh_from_db()
    assert request.comment == "" and request.status == RequestStatus.SENT
    assert AdmissionRequestEvent.objects.get(request=request).comment == ""
