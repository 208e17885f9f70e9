"""The ANS "Suivi des décisions d'orientation" format: the ESMSTask of each status of a request, and
the SDOTask notifications applied to requests (or refused)."""

import copy
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from parcours.access.api import AccessDenied
from parcours.coordination import sdo
from parcours.coordination.enums import RefusalReason, RequestStatus
from parcours.coordination.models import AdmissionRequest, AdmissionRequestEvent
from tests.coordination.test_requests import PATHS, actor, move, send

S = RequestStatus


@pytest.fixture
def d(department):
    department.orientation_esat.national_reference = "VT-2026-000042"
    department.orientation_esat.save()
    return department


def reach(d, status):
    (request,) = send(d)
    for next_status in PATHS[status]:
        request = move(d, request, next_status)
    request.refresh_from_db()
    return request


def inputs(task) -> dict:
    return {item["type"]["coding"][0]["code"]: item for item in task["input"]}


@pytest.mark.parametrize("status", list(RequestStatus), ids=lambda s: s.name)
def test_the_esms_task_of_each_status(d, status):
    request = reach(d, status)
    task = json.loads(json.dumps(sdo.esms_task(request)))
    assert task["resourceType"] == "Task"
    assert task["meta"]["profile"] == [
        "https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/esms-task"
    ]
    assert task["meta"]["lastUpdated"].endswith("Z")
    assert (task["status"], task["intent"]) == ("completed", "plan")
    for item in task["input"]:
        assert item["type"]["coding"][0]["system"] == (
            "https://interop.esante.gouv.fr/ig/fhir/sdo/CodeSystem/input-task-sdo-codesystem"
        )
    values = inputs(task)
    assert values["idNat_Struct"]["valueIdentifier"] == {"value": "1" + d.esat.finess}
    assert values["nomESMS"]["valueString"] == "ESAT du Rhône"
    assert values["statutESMS"]["valueCodeableConcept"]["coding"] == [
        {
            "system": "https://mos.esante.gouv.fr/NOS/TRE_R357-StatutPersonnePriseCharge/FHIR/"
            "TRE-R357-StatutPersonnePriseCharge",
            "code": status.value,
            "display": status.label,
        }
    ]
    assert values["dateStatutESMS"]["valueDate"] == request.status_date.isoformat()
    assert values["idDecision"]["valueIdentifier"] == {"value": "MDPH69-2026-0042"}
    assert values["idNat_Decision"]["valueIdentifier"] == {"value": "VT-2026-000042"}
    if status == S.IMPOSSIBLE:
        assert values["motifESMS"]["valueCodeableConcept"]["coding"] == [
            {
                "system": "https://mos.esante.gouv.fr/NOS/TRE_R358-MotifStatutPersonnePriseCharge/FHIR/"
                "TRE-R358-MotifStatutPersonnePriseCharge",
                "code": RefusalReason.RESOURCES.value,
                "display": RefusalReason.RESOURCES.label,
            }
        ]
    else:
        assert "motifESMS" not in values
    assert sdo.check_task(task, sdo.ESMS_TASK_PROFILE) == []


def test_a_request_without_national_identifier_is_not_sent(department):
    (request,) = send(department)
    with pytest.raises(ValidationError, match="idNat_Decision"):
        sdo.esms_task(request)


def test_the_structural_check_names_what_is_wrong(d):
    task = sdo.esms_task(reach(d, S.READ))
    broken = copy.deepcopy(task)
    broken["intent"] = "order"
    broken["input"] = [i for i in broken["input"] if i["type"]["coding"][0]["code"] != "idNat_Struct"]
    broken["input"].append(copy.deepcopy(broken["input"][0]))
    errors = sdo.check_task(broken, sdo.ESMS_TASK_PROFILE)
    assert "L'intention de la Task doit être « plan »." in errors
    assert "idNat_Struct : donnée obligatoire absente." in errors
    assert "nomESMS : donnée présente 2 fois (au plus 1)." in errors
    assert sdo.check_task(task, sdo.SDO_TASK_PROFILE) == [
        f"Le profil attendu ({sdo.SDO_TASK_PROFILE}) n'est pas déclaré."
    ]


def sdo_task(d, request, status, reason=None, date=None) -> dict:
    """What the SI-SDO sends: an SDOTask naming the ESMS and the decision, with a status."""
    task = sdo.esms_task(request)
    task["meta"]["profile"] = [sdo.SDO_TASK_PROFILE]
    kept = [i for i in task["input"] if i["type"]["coding"][0]["code"] not in {"statutESMS", "motifESMS"}]
    task["input"] = kept + [
        sdo._input(
            "statutESMS", "valueCodeableConcept", {"coding": [{"system": sdo.STATUS_SYSTEM, "code": status}]}
        )
    ]
    if reason:
        task["input"].append(
            sdo._input(
                "motifESMS",
                "valueCodeableConcept",
                {"coding": [{"system": sdo.REASON_SYSTEM, "code": reason}]},
            )
        )
    for item in task["input"]:
        if date and item["type"]["coding"][0]["code"] == "dateStatutESMS":
            item["valueDate"] = date
    return task


def bundle(*tasks) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"fullUrl": f"https://example.com/base/Task/{i}", "resource": task}
            for i, task in enumerate(tasks)
        ],
    }


def test_a_notification_moves_the_request(d):
    request = reach(d, S.SENT)
    changed = sdo.accept_notification(bundle(sdo_task(d, request, "40")), actor=actor(d.esat_pro))
    assert [r.pk for r in changed] == [request.pk]
    request.refresh_from_db()
    assert request.status == S.READ
    assert request.events.last().recorded_by == d.esat_pro.user


def test_a_notification_of_refusal_carries_its_reason(d):
    request = reach(d, S.UNDER_STUDY)
    task = sdo_task(d, request, "45", reason=RefusalReason.DISTANCE.value)
    sdo.accept_notification(task, actor=actor(d.esat_pro))
    request.refresh_from_db()
    assert (request.status, request.reason) == (S.IMPOSSIBLE, RefusalReason.DISTANCE)


def test_a_status_already_applied_changes_nothing(d):
    request = reach(d, S.READ)
    assert sdo.accept_notification(bundle(sdo_task(d, request, "40")), actor=actor(d.esat_pro)) == []


@pytest.mark.parametrize(
    "case, message",
    [
        ("establishment", "établissement inconnu de cette instance"),
        ("decision", "décision d'orientation inconnue"),
        ("illegal", "Une demande « reçue » ne peut pas devenir « admission réalisée »"),
        ("unfollowed", "le statut 41 « Contact effectué » n'est pas suivi par Parcours"),
        ("no_reason", "Indiquez le motif du refus."),
        ("profile", "Le profil attendu"),
        ("bundle", "searchset"),
    ],
)
def test_a_bad_notification_is_refused_and_changes_nothing(d, case, message):
    request = reach(d, S.SENT)
    good = sdo_task(d, request, "40")
    task = sdo_task(d, request, {"illegal": "47", "unfollowed": "41", "no_reason": "45"}.get(case, "40"))
    values = inputs(task)
    if case == "establishment":
        values["idNat_Struct"]["valueIdentifier"]["value"] = "1999999999"
    elif case == "decision":
        values["idNat_Decision"]["valueIdentifier"]["value"] = "VT-INCONNU"
        values["idDecision"]["valueIdentifier"]["value"] = "INCONNU"
    elif case == "profile":
        task["meta"]["profile"] = [sdo.ESMS_TASK_PROFILE]
    payload = bundle(good, task)
    if case == "bundle":
        payload["type"] = "collection"
    events = AdmissionRequestEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        sdo.accept_notification(payload, actor=actor(d.esat_pro))
    assert message in " ".join(error.value.messages)
    # All or nothing: the good notification before the bad one is not applied either.
    assert AdmissionRequest.objects.get(pk=request.pk).status == S.SENT
    assert AdmissionRequestEvent.objects.count() == events


def test_a_notification_for_an_establishment_the_actor_does_not_work_in_is_refused(d):
    request = reach(d, S.SENT)
    with pytest.raises(AccessDenied, match="accès"):
        sdo.accept_notification(sdo_task(d, request, "40"), actor=actor(d.foyer_pro))
    assert AdmissionRequest.objects.get(pk=request.pk).status == S.SENT


def test_the_command_prints_the_esms_task_for_a_reader_only(d):
    request = reach(d, S.READ)
    out = io.StringIO()
    call_command("sdo_task", str(request.uuid), user=d.esat_pro.user.username, stdout=out)
    assert json.loads(out.getvalue()) == json.loads(json.dumps(sdo.esms_task(request)))
    with pytest.raises(CommandError, match="hors du périmètre"):
        call_command("sdo_task", str(request.uuid), user=d.savs_pro.user.username, stdout=io.StringIO())
