"""The exchange format of the national orientation follow-up (SI suivi des orientations, ViaTrajectoire
PH): the ANS FHIR guide "Suivi des décisions d'orientation" (canonical
https://interop.esante.gouv.fr/ig/fhir/sdo, version 4.0.2-ballot-2, FHIR R4 4.0.1).

- `esms_task(request)`: the request's current status as an ESMSTask, what an ESMS sends to the SI-SDO.
- `accept_notification(payload, actor=...)`: an SDOTask (or a searchset Bundle of SDOTask) sent to one
  of this instance's establishments, applied to its admission request through `requests.change_status`
  (the same rules as the pages), or refused with a French message naming what is wrong.

Both Task profiles: intent "plan", status "completed", meta.lastUpdated, and `input` sliced by the code
of the guide's input CodeSystem (`check_task` holds the cardinalities of the slices we use). The HTTP
endpoints come with the FHIR API; nothing here reaches the network.
"""

import datetime
import re

from django.core.exceptions import ValidationError

from parcours.access.api import Actor, atomic_service
from parcours.coordination.enums import RefusalReason, RequestStatus
from parcours.coordination.models import AdmissionRequest
from parcours.coordination.requests import change_status
from parcours.organisations.models import Establishment
from parcours.people.models import MdphDecision

CANONICAL = "https://interop.esante.gouv.fr/ig/fhir/sdo"
ESMS_TASK_PROFILE = f"{CANONICAL}/StructureDefinition/esms-task"
SDO_TASK_PROFILE = f"{CANONICAL}/StructureDefinition/sdo-task"
INPUT_SYSTEM = f"{CANONICAL}/CodeSystem/input-task-sdo-codesystem"
STATUS_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R357-StatutPersonnePriseCharge/FHIR/TRE-R357-StatutPersonnePriseCharge"
REASON_SYSTEM = (
    "https://mos.esante.gouv.fr/NOS/TRE_R358-MotifStatutPersonnePriseCharge/FHIR/"
    "TRE-R358-MotifStatutPersonnePriseCharge"
)
# JDV_J252-StatutPersonnePriseChargeESMS (OID 1.2.250.1.213.3.4.116): every status the format may carry;
# Parcours' requests go through those of `RequestStatus`.
J252_CODES = {
    "37": "Décision d'orientation annulée",
    "39": "Notification envoyée",
    "40": "Notification lue",
    "41": "Contact effectué",
    "42": "Liste d'attente. En cours d'analyse, demande d'admission reçue dans l'ESMS",
    "43": "Période d'essai en cours dans l'ESMS",
    "44": "Période d'essai non concluante dans l'ESMS",
    "45": "Admission impossible signalée",
    "46": "Admission impossible entérinée",
    "47": "Usager entré",
    "48": "Usager sorti",
    "49": "Notification annulée",
    "51": "Demande de réorientation dans l'ESMS",
    "54": "Notification réactivée",
    "71": "Liste d'attente. Admis dans l'ESMS",
    "72": "Liste d'attente. Admissible dans l'ESMS",
}
# The input slices (code -> (value[x] key, minimum, maximum)) of the ESMSTask and SDOTask profiles.
INPUTS = {
    "idNat_Struct": ("valueIdentifier", 1, 1),
    "nomESMS": ("valueString", 1, 1),
    "statutESMS": ("valueCodeableConcept", 0, 1),
    "motifESMS": ("valueCodeableConcept", 0, 1),
    "dateStatutESMS": ("valueDate", 0, 1),
    "idUnite": ("valueIdentifier", 0, 1),
    "nomUnite": ("valueString", 0, 1),
    "categorieOrganisation": ("valueCodeableConcept", 0, 1),
    "temporaliteAccueil": ("valueCodeableConcept", 0, 1),
    "accueilSequentiel": ("valueBoolean", 0, 1),
    "modePriseCharge": ("valueCodeableConcept", 0, 1),
    "statutUnite": ("valueCodeableConcept", 0, 1),
    "dateStatutUnite": ("valueDate", 0, 1),
    "motifUnite": ("valueCodeableConcept", 0, 1),
    "typeDroitPrestation": ("valueCodeableConcept", 0, 1),
    "idDecision": ("valueIdentifier", 1, 1),
    "idNat_Decision": ("valueIdentifier", 1, 1),
}
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _input(code: str, key: str, value) -> dict:
    return {"type": {"coding": [{"system": INPUT_SYSTEM, "code": code}]}, key: value}


def _instant(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def esms_task(request: AdmissionRequest) -> dict:
    """The request's current status as an ESMSTask (FHIR R4 Task, JSON as a dict). The request must come
    from an MDPH decision known to the SI-SDO (its reference and its national identifier)."""
    decision = request.mdph_decision
    if decision is None or not decision.reference or not decision.national_reference:
        raise ValidationError(
            "Cette demande ne se transmet pas au suivi des orientations : la décision MDPH n'a pas sa "
            "référence ou son identifiant national (idNat_Decision)."
        )
    status = RequestStatus(request.status)
    inputs = [
        _input("idNat_Struct", "valueIdentifier", {"value": "1" + request.establishment.finess}),
        _input("nomESMS", "valueString", request.establishment.name),
        _input(
            "statutESMS",
            "valueCodeableConcept",
            {"coding": [{"system": STATUS_SYSTEM, "code": status.value, "display": status.label}]},
        ),
    ]
    if request.reason:
        reason = RefusalReason(request.reason)
        inputs.append(
            _input(
                "motifESMS",
                "valueCodeableConcept",
                {"coding": [{"system": REASON_SYSTEM, "code": reason.value, "display": reason.label}]},
            )
        )
    inputs += [
        _input("dateStatutESMS", "valueDate", request.status_date.isoformat()),
        _input("idDecision", "valueIdentifier", {"value": decision.reference}),
        _input("idNat_Decision", "valueIdentifier", {"value": decision.national_reference}),
    ]
    task = {
        "resourceType": "Task",
        "id": str(request.uuid),
        "meta": {"profile": [ESMS_TASK_PROFILE], "lastUpdated": _instant(request.updated_at)},
        "status": "completed",
        "intent": "plan",
        "input": inputs,
    }
    errors = check_task(task, ESMS_TASK_PROFILE)
    if errors:  # pragma: no cover - a bug of ours, never the user's input
        raise ValueError(" ".join(errors))
    return task


def _input_code(item) -> str | None:
    try:
        (coding,) = item["type"]["coding"]
    except (KeyError, TypeError, ValueError):
        return None
    if not isinstance(coding, dict) or coding.get("system") != INPUT_SYSTEM:
        return None
    return coding.get("code")


def check_task(task, profile: str) -> list[str]:
    """The structural rules of the guide's Task profiles (those of the slices Parcours reads and
    writes), in French; empty when the task follows them."""
    if not isinstance(task, dict) or task.get("resourceType") != "Task":
        return ["La ressource n'est pas une Task FHIR."]
    errors = []
    meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
    if profile not in (meta.get("profile") or []):
        errors.append(f"Le profil attendu ({profile}) n'est pas déclaré.")
    if not isinstance(meta.get("lastUpdated"), str) or not INSTANT.match(meta["lastUpdated"]):
        errors.append("meta.lastUpdated manque ou n'est pas un instant FHIR.")
    if task.get("status") != "completed":
        errors.append("Le statut de la Task doit être « completed ».")
    if task.get("intent") != "plan":
        errors.append("L'intention de la Task doit être « plan ».")
    inputs = task.get("input")
    if not isinstance(inputs, list):
        return [*errors, "La Task n'a pas de données (input)."]
    counts = dict.fromkeys(INPUTS, 0)
    for index, item in enumerate(inputs, start=1):
        code = _input_code(item)
        if code not in INPUTS:
            errors.append(f"Donnée n° {index} : type inconnu du guide ({code or 'absent'}).")
            continue
        counts[code] += 1
        key = INPUTS[code][0]
        values = [name for name in item if name.startswith("value")]
        if values != [key]:
            errors.append(f"{code} : une seule valeur, de type {key}.")
            continue
        value = item[key]
        if key == "valueIdentifier" and not (isinstance(value, dict) and isinstance(value.get("value"), str)
                                             and value["value"].strip()):  # fmt: skip
            errors.append(f"{code} : identifiant vide.")
        elif key == "valueString" and not (isinstance(value, str) and value.strip()):
            errors.append(f"{code} : texte vide.")
        elif key == "valueDate" and not (isinstance(value, str) and DATE.match(value)):
            errors.append(f"{code} : date attendue (AAAA-MM-JJ).")
        elif key == "valueCodeableConcept" and not (
            isinstance(value, dict) and isinstance(value.get("coding"), list) and value["coding"]
        ):
            errors.append(f"{code} : code attendu.")
    for code, (_, minimum, maximum) in INPUTS.items():
        if counts[code] < minimum:
            errors.append(f"{code} : donnée obligatoire absente.")
        elif counts[code] > maximum:
            errors.append(f"{code} : donnée présente {counts[code]} fois (au plus {maximum}).")
    if errors:
        return errors
    values = task_values(task)
    if values["idNat_Struct"][:1] not in {"1", "3"}:
        errors.append("idNat_Struct : « 1 » suivi du FINESS, ou « 3 » suivi du SIRET.")
    status = values.get("statutESMS")
    if status is not None and (status[0] != STATUS_SYSTEM or status[1] not in J252_CODES):
        errors.append("statutESMS : code attendu de TRE_R357 (JDV_J252).")
    reason = values.get("motifESMS")
    if reason is not None and reason[0] != REASON_SYSTEM:
        errors.append("motifESMS : code attendu de TRE_R358 (JDV_J251).")
    return errors


def task_values(task: dict) -> dict:
    """The task's inputs by code: identifiers and texts as strings, codes as (system, code)."""
    values = {}
    for item in task["input"]:
        code = _input_code(item)
        key = INPUTS[code][0]
        value = item[key]
        if key == "valueIdentifier":
            values[code] = value["value"].strip()
        elif key == "valueCodeableConcept":
            coding = value["coding"][0] if isinstance(value["coding"][0], dict) else {}
            values[code] = (coding.get("system"), str(coding.get("code", "")))
        else:
            values[code] = value
    return values


def _tasks(payload) -> list:
    if isinstance(payload, dict) and payload.get("resourceType") == "Bundle":
        if payload.get("type") != "searchset":
            raise ValidationError("Le lot reçu n'est pas un résultat de recherche (Bundle « searchset »).")
        entries = payload.get("entry") or []
        if not isinstance(entries, list):
            raise ValidationError("Le lot reçu n'a pas d'entrées lisibles.")
        return [entry.get("resource") if isinstance(entry, dict) else None for entry in entries]
    return [payload]


@atomic_service
def accept_notification(payload, *, actor: Actor) -> list[AdmissionRequest]:
    """Apply the status each SDOTask carries to the admission request it names (the establishment by
    its FINESS, the decision by its national identifier or its MDPH reference). All or nothing: one
    task refused refuses the lot. A status the request already has changes nothing."""
    changed = []
    for index, task in enumerate(_tasks(payload), start=1):
        prefix = f"Notification n° {index} : "
        errors = check_task(task, SDO_TASK_PROFILE)
        if errors:
            raise ValidationError(prefix + " ".join(errors))
        values = task_values(task)
        request = find_request(values, prefix)
        if "statutESMS" not in values:
            raise ValidationError(prefix + "aucun statut (statutESMS) à appliquer.")
        code = values["statutESMS"][1]
        if code not in RequestStatus.values:
            raise ValidationError(
                f"{prefix}le statut {code} « {J252_CODES[code]} » n'est pas suivi par Parcours."
            )
        if code == request.status:
            continue
        reason = values.get("motifESMS", (None, ""))[1]
        date = _date(values.get("dateStatutESMS"), prefix)
        try:
            changed.append(
                change_status(
                    request,
                    code,
                    actor=actor,
                    date=date,
                    reason=reason,
                    comment=str(task.get("description") or "")[:2000],
                )  # fmt: skip
            )
        except ValidationError as exc:
            raise ValidationError(prefix + " ".join(exc.messages)) from exc
    return changed


def _date(value, prefix: str) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(prefix + "date du statut impossible.") from exc


def find_request(values: dict, prefix: str) -> AdmissionRequest:
    structure = values["idNat_Struct"]
    establishment = None
    if structure.startswith("1"):
        establishment = Establishment.objects.filter(finess=structure[1:]).first()
    if establishment is None:
        raise ValidationError(f"{prefix}établissement inconnu de cette instance ({structure}).")
    decisions = MdphDecision.objects.filter(national_reference=values["idNat_Decision"])
    if not decisions.exists():
        decisions = MdphDecision.objects.filter(reference=values["idDecision"], national_reference="")
    decision_ids = list(decisions.values_list("pk", flat=True)[:2])
    if len(decision_ids) != 1:
        raise ValidationError(
            f"{prefix}décision d'orientation inconnue (idNat_Decision {values['idNat_Decision']}, "
            f"idDecision {values['idDecision']})."
        )
    request = (
        AdmissionRequest.objects.filter(mdph_decision_id=decision_ids[0], establishment=establishment)
        .order_by("-sent_on", "-pk")
        .first()
    )
    if request is None:
        raise ValidationError(
            f"{prefix}aucune demande d'admission à {establishment.name} pour cette décision."
        )
    return request
