"""A person's record leaves one Parcours instance as a TDDUI Bundle and comes into another, empty one
(two servers, two databases): the same record, field for field, with the same ids; a bundle with an
invalid entry, a wrong reference or an unknown code imports nothing; an import is for the receiving
instance's administrators."""

import copy
import datetime
import json
import uuid

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parcours.access import services as access_services
from parcours.access.enums import Category
from parcours.access.journal import Actor
from parcours.access.models import AccessLogEntry
from parcours.fhir import registry
from parcours.fhir.clients import register_client
from parcours.fhir.validation import check_resource
from parcours.organisations.enums import SupportMode
from parcours.people import services as people_services
from parcours.records import daily
from parcours.records import services as records
from parcours.records.enums import FrequencyPeriod, PresenceStatus
from parcours.staff.enums import Role
from tests.factories import EstablishmentFactory, PersonFactory, concept, make_professional

pytestmark = pytest.mark.django_db(transaction=True)

BUNDLE_PROFILE = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-bundle"
SCOPES = ["system/*.read", "system/*.write"]
SERAFIN = "https://smt.esante.gouv.fr/terminologie-SERAFINPH"
TDDUI = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/"


class Site:
    """An establishment with its director (a login), a partner establishment, and a person's full
    record written through the records services."""

    def __init__(self):
        self.establishment = EstablishmentFactory()
        self.partner = EstablishmentFactory()
        self.director = make_professional(self.establishment, role=Role.ESTABLISHMENT_DIRECTOR)
        self.educator = make_professional(self.establishment)
        self.person = build_record(self.establishment, self.director, self.educator, self.partner)


def build_record(establishment, director, educator, partner):
    """A person with relatives, an admission, a needs assessment with needs, a projet with goals and
    planned services, delivered services, presences, a document, a note and a consent."""
    actor = Actor(user=director.user, channel="web")
    today = timezone.localdate()
    person = PersonFactory(opened_by=establishment, qualified=True)
    people_services.add_relative(
        person,
        actor=actor,
        last_name="Martin",
        first_name="Claire",
        relationship="parent",
        is_natural_carer=True,
        phone="0612345678",
    )
    people_services.add_relative(
        person,
        actor=actor,
        last_name="Martin",
        first_name="Hugo",
        relationship="sibling",
        is_emergency_contact=True,
    )
    records.admit_person(
        person,
        establishment=establishment,
        mode=SupportMode.EXTERNAT,
        start_date=today - datetime.timedelta(days=200),
        actor=actor,
    )
    besoins = [concept("serafin-ph-besoins", code) for code in ("1.1.1.1", "1.2.1.1")]
    prestation = concept("serafin-ph-prestations", "2.3.1.1")
    records.create_needs_assessment(
        person,
        establishment=establishment,
        date=today - datetime.timedelta(days=30),
        actor=actor,
        needs=[records.NeedInput(besoins[0], 2), records.NeedInput(besoins[1], 3, "Au quotidien")],
        comment="Synthèse de l'évaluation",
    )
    records.create_projet(
        person,
        establishment=establishment,
        date=today - datetime.timedelta(days=20),
        review_date=today + datetime.timedelta(days=345),
        actor=actor,
        person_words="Je voudrais prendre le bus seul.",
        goals=[
            records.GoalInput("Prendre le bus seul", "Trajet domicile-atelier", [besoins[0]]),
            records.GoalInput("Préparer un repas"),
        ],
        planned_services=[
            records.PlannedServiceInput(prestation, 2, FrequencyPeriod.WEEK, "Avec l'éducatrice", 0),
            records.PlannedServiceInput(prestation, 1, FrequencyPeriod.MONTH),
        ],
    )
    educator_actor = Actor(user=educator.user, channel="web")
    records.log_service(
        person,
        establishment=establishment,
        concept=prestation,
        actor=educator_actor,
        date=today - datetime.timedelta(days=3),
        duration_minutes=60,
    )
    daily.record_presence(
        person,
        establishment=establishment,
        date=today - datetime.timedelta(days=1),
        status=PresenceStatus.PRESENT,
        actor=educator_actor,
        arrived_at=datetime.time(9),
        left_at=datetime.time(16, 30),
    )
    daily.record_presence(
        person,
        establishment=establishment,
        date=today - datetime.timedelta(days=2),
        status=PresenceStatus.ABSENT,
        actor=educator_actor,
        absence_reason="illness",
    )
    records.attach_document(
        person,
        actor=actor,
        title="Bilan d'admission",
        file=SimpleUploadedFile("bilan.pdf", b"%PDF-1.4\n% bilan\n"),
    )
    records.write_note(
        person,
        establishment=establishment,
        category="daily_life",
        actor=educator_actor,
        text="Bonne journée à l'atelier.",
    )
    access_services.record_consent(
        person, actor=actor, establishment=partner, categories=[Category.IDENTITY, Category.PROJET]
    )
    return person


def token_for(base_url: str, user, scopes=SCOPES) -> str:
    _, client_id, secret = register_client(user=user, name="Logiciel DUI", scopes=list(scopes))
    answer = requests.post(
        f"{base_url}/fhir/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def headers(token: str) -> dict:
    return {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/fhir+json",
        "Accept": "application/fhir+json",
    }


def export(fhir_base: str, token: str, person_uuid) -> dict:
    answer = requests.get(
        f"{fhir_base}/Patient/{person_uuid}/$tddui-bundle", headers=headers(token), timeout=60
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def post_bundle(instance, bundle: dict) -> requests.Response:
    # POST [base]/: the server's root answers with the slash (Django's APPEND_SLASH would turn a POST
    # to /fhir into a redirect).
    return requests.post(
        f"{instance.fhir}/",
        data=json.dumps(bundle),
        timeout=120,
        headers={**instance.headers(), "Content-Type": "application/fhir+json"},
    )


def director_on(instance, establishment_uuid) -> str:
    """A login on the second instance allowed to export what it imported: a director of the imported
    establishment (logins are not exchanged: each instance has its own)."""
    username = f"direction-{uuid.uuid4().hex[:8]}"
    instance.manage(
        "shell",
        "-c",
        "import datetime\n"
        "from parcours.accounts.models import User\n"
        "from parcours.organisations.models import Establishment\n"
        "from parcours.staff.models import Membership, Professional\n"
        f"user = User.objects.create_user(username='{username}')\n"
        "pro = Professional.objects.create(user=user, first_name='Direction', last_name='Instance B',"
        " profession='educateur_specialise')\n"
        f"Membership.objects.create(professional=pro, role='establishment_director', start_date="
        f"datetime.date(2020, 1, 1), establishment=Establishment.objects.get(uuid='{establishment_uuid}'))\n",
    )
    out = instance.manage(
        "fhir_client",
        "--user",
        username,
        "--name",
        "Export B",
        *[arg for scope in SCOPES for arg in ("--scope", scope)],
    )
    client_id = out.split("client_id=", 1)[1].split()[0]
    secret = out.split("client_secret=", 1)[1].split()[0]
    answer = requests.post(
        f"{instance.url}/fhir/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def comparable(bundle: dict) -> dict:
    """fullUrl -> resource, without what only says when and in which version it was written."""
    found = {}
    for entry in bundle["entry"]:
        resource = copy.deepcopy(entry["resource"])
        meta = resource.get("meta") or {}
        meta.pop("lastUpdated", None)
        meta.pop("versionId", None)
        found[entry["fullUrl"]] = resource
    return found


def references(value, found: list) -> list:
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            found.append(value["reference"])
        for item in value.values():
            references(item, found)
    elif isinstance(value, list):
        for item in value:
            references(item, found)
    return found


def break_serafin_code(value) -> bool:
    """Put a code that SERAFIN-PH does not hold in the first SERAFIN-PH coding found."""
    if isinstance(value, dict):
        if value.get("system") == SERAFIN and "code" in value:
            value["code"] = "9.9.9.9"
            return True
        return any(break_serafin_code(item) for item in value.values())
    if isinstance(value, list):
        return any(break_serafin_code(item) for item in value)
    return False


def resource_types(bundle: dict) -> set[str]:
    return {entry["resource"]["resourceType"] for entry in bundle["entry"]}


def count(instance, resource_type: str) -> int:
    answer = requests.get(
        f"{instance.fhir}/{resource_type}", params={"_count": 0}, timeout=10, headers=instance.headers()
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["total"]


# --- the exported bundle


def test_a_persons_bundle_follows_tddui_bundle_and_holds_the_whole_record(live_server):
    site = Site()
    token = token_for(live_server.url, site.director.user)
    bundle = export(f"{live_server.url}/fhir", token, site.person.uuid)
    # TDDUIBundle.fsh: type = #transaction; each entry has resource 1..1, request 1..1, method = #POST.
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "transaction"
    assert bundle["meta"]["profile"] == [BUNDLE_PROFILE]
    check_resource({key: value for key, value in bundle.items()})
    full_urls = set()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        check_resource(resource)
        assert any(profile.startswith(TDDUI) for profile in resource["meta"]["profile"]), resource
        assert entry["request"] == {"method": "POST", "url": resource["resourceType"]}
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        full_urls.add(entry["fullUrl"])
    # Every reference between resources of this server points to an entry of the bundle.
    for entry in bundle["entry"]:
        for reference in references(entry["resource"], []):
            if reference.startswith("urn:uuid:"):
                assert reference in full_urls, reference
            else:
                assert not reference.startswith(live_server.url), (
                    f"ressource laissée hors du lot : {reference}"
                )
                assert not registry.parts(reference.split("/", 1)[0]), f"référence non réécrite : {reference}"
    # Nothing the mappings export is left out: each exported mapping's objects are all there.
    for mapping in registry.mappings():
        objects = mapping.for_persons([site.person.pk])
        if objects is None:
            continue
        for obj in objects:
            assert f"urn:uuid:{getattr(obj, mapping.id_field)}" in full_urls, mapping.resource_type
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["id"] == str(site.person.uuid)
    # The export is logged, category by category, as an export.
    logged = set(
        AccessLogEntry.objects.filter(person=site.person, action="export", channel="fhir").values_list(
            "category", flat=True
        )
    )
    assert Category.IDENTITY in logged


def test_an_educator_of_another_establishment_cannot_export_and_the_refusal_is_logged(live_server):
    site = Site()
    outsider = make_professional(EstablishmentFactory())
    token = token_for(live_server.url, outsider.user)
    url = f"{live_server.url}/fhir/Patient/{site.person.uuid}/$tddui-bundle"
    answer = requests.get(url, headers=headers(token), timeout=30)
    # A record the caller may not see at all: its existence is hidden.
    assert answer.status_code == 404
    assert answer.json()["resourceType"] == "OperationOutcome"
    refused = AccessLogEntry.objects.filter(person=site.person, allowed=False, channel="fhir")
    assert refused.filter(actor=outsider.user).exists()
    # The partner establishment reads the identity and the projet by the person's consent, but an
    # export (the right of access) is for those who support the person.
    partner = make_professional(site.partner)
    answer = requests.get(url, headers=headers(token_for(live_server.url, partner.user)), timeout=30)
    assert answer.status_code == 403
    assert answer.json()["resourceType"] == "OperationOutcome"
    assert refused.filter(actor=partner.user, action="export").exists()


def test_a_token_without_patient_read_cannot_export(live_server):
    site = Site()
    token = token_for(live_server.url, site.director.user, ["system/Patient.write"])
    answer = requests.get(
        f"{live_server.url}/fhir/Patient/{site.person.uuid}/$tddui-bundle", headers=headers(token), timeout=30
    )
    assert answer.status_code == 403
    assert answer.json()["resourceType"] == "OperationOutcome"


def test_an_establishments_bundle_holds_the_persons_admitted_there(live_server):
    site = Site()
    second = build_record(site.establishment, site.director, site.educator, site.partner)
    elsewhere = build_record(
        site.partner,
        make_professional(site.partner, role=Role.ESTABLISHMENT_DIRECTOR),
        make_professional(site.partner),
        site.establishment,
    )
    token = token_for(live_server.url, site.director.user)
    if not registry.parts("Organization"):
        pytest.fail("Le type Organization n'est pas encore servi par l'API.")
    answer = requests.get(
        f"{live_server.url}/fhir/Organization/{site.establishment.uuid}/$tddui-bundle",
        headers=headers(token),
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    bundle = answer.json()
    assert bundle["type"] == "transaction" and bundle["meta"]["profile"] == [BUNDLE_PROFILE]
    patients = {e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"}
    assert patients == {str(site.person.uuid), str(second.uuid)}
    assert str(elsewhere.uuid) not in patients
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(full_urls) == len(set(full_urls))  # each organisation or professional once


# --- the import into another instance


def test_a_persons_bundle_imported_into_an_empty_instance_gives_the_same_record(live_server, empty_instance):
    site = Site()
    token = token_for(live_server.url, site.director.user)
    bundle = export(f"{live_server.url}/fhir", token, site.person.uuid)
    answer = post_bundle(empty_instance, bundle)
    assert answer.status_code == 200, answer.text
    response = answer.json()
    assert response["type"] == "transaction-response"
    assert len(response["entry"]) == len(bundle["entry"])
    for sent, received in zip(bundle["entry"], response["entry"], strict=True):
        resource = sent["resource"]
        assert received["response"]["status"] == "201 Created"
        assert received["response"]["location"].startswith(
            f"{resource['resourceType']}/{resource['id']}/_history/"
        )
    # Exported again, from the second instance, by a director of the imported establishment.
    token_b = director_on(empty_instance, site.establishment.uuid)
    again = export(empty_instance.fhir, token_b, site.person.uuid)
    first, second = comparable(bundle), comparable(again)
    assert sorted(first) == sorted(second)
    for full_url, resource in first.items():
        assert second[full_url] == resource, resource["resourceType"]


def test_entries_in_any_order_are_imported(live_server, empty_instance):
    site = Site()
    token = token_for(live_server.url, site.director.user)
    bundle = export(f"{live_server.url}/fhir", token, site.person.uuid)
    shuffled = {**bundle, "entry": list(reversed(bundle["entry"]))}
    answer = post_bundle(empty_instance, shuffled)
    assert answer.status_code == 200, answer.text
    statuses = [entry["response"]["status"] for entry in answer.json()["entry"]]
    assert statuses == ["201 Created"] * len(bundle["entry"])
    # The response answers the entries in the request's order.
    locations = [entry["response"]["location"].split("/_history")[0] for entry in answer.json()["entry"]]
    assert locations == [f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in shuffled["entry"]]


def test_a_bundle_with_one_invalid_entry_imports_nothing(live_server, empty_instance):
    site = Site()
    token = token_for(live_server.url, site.director.user)
    bundle = export(f"{live_server.url}/fhir", token, site.person.uuid)
    last = len(bundle["entry"]) - 1
    bundle["entry"][last]["resource"]["unknownElement"] = "x"
    answer = post_bundle(empty_instance, bundle)
    assert answer.status_code == 400, answer.text
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any(f"Bundle.entry[{last}]" in expr for issue in outcome["issue"] for expr in issue["expression"])
    assert count(empty_instance, "Patient") == 0
    if registry.parts("Organization"):
        assert count(empty_instance, "Organization") == 0


def test_a_bundle_with_a_wrong_reference_is_refused_422(live_server, empty_instance):
    site = Site()
    token = token_for(live_server.url, site.director.user)
    bundle = export(f"{live_server.url}/fhir", token, site.person.uuid)
    patient_url = f"urn:uuid:{site.person.uuid}"
    index = next(
        (
            i
            for i, e in enumerate(bundle["entry"])
            if e["resource"]["resourceType"] != "Patient" and patient_url in references(e["resource"], [])
        ),
        None,
    )
    assert index is not None, "aucune ressource du dossier ne référence la personne"
    text = json.dumps(bundle["entry"][index]["resource"]).replace(patient_url, f"urn:uuid:{uuid.uuid4()}")
    bundle["entry"][index]["resource"] = json.loads(text)
    answer = post_bundle(empty_instance, bundle)
    assert answer.status_code == 422, answer.text
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any(f"Bundle.entry[{index}]" in expr for issue in outcome["issue"] for expr in issue["expression"])
    assert count(empty_instance, "Patient") == 0


def test_a_bundle_with_an_unknown_serafin_code_is_refused_422(live_server, empty_instance):
    site = Site()
    token = token_for(live_server.url, site.director.user)
    bundle = export(f"{live_server.url}/fhir", token, site.person.uuid)
    serafin = next((i for i, e in enumerate(bundle["entry"]) if break_serafin_code(e["resource"])), None)
    assert serafin is not None, "aucune ressource codée en SERAFIN-PH dans le Bundle"
    answer = post_bundle(empty_instance, bundle)
    assert answer.status_code == 422, answer.text
    issues = answer.json()["issue"]
    assert any(issue["code"] == "code-invalid" for issue in issues), issues
    assert any(f"Bundle.entry[{serafin}]" in expr for issue in issues for expr in issue["expression"])
    assert count(empty_instance, "Patient") == 0


def test_a_team_client_without_import_right_cannot_create_a_person_of_another_establishment(live_server):
    site = Site()
    token = token_for(live_server.url, site.director.user)
    # A professional of the partner establishment posts the person's Patient (as this server serves it)
    # into the same instance: the person is of another establishment, and they may not import.
    patient = requests.get(
        f"{live_server.url}/fhir/Patient/{site.person.uuid}", headers=headers(token), timeout=30
    ).json()
    patient.pop("id")
    patient["meta"].pop("versionId", None)
    outsider = make_professional(site.partner)
    outsider_token = token_for(live_server.url, outsider.user)
    single = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": patient,
                "request": {"method": "POST", "url": "Patient"},
            }
        ],
    }
    before = AccessLogEntry.objects.count()
    answer = requests.post(
        f"{live_server.url}/fhir/", data=json.dumps(single), headers=headers(outsider_token), timeout=30
    )
    assert answer.status_code == 403, answer.text
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any("Bundle.entry[0]" in expr for issue in outcome["issue"] for expr in issue["expression"])
    from parcours.people.models import Person

    assert Person.objects.count() == 1
    assert AccessLogEntry.objects.count() >= before


# --- the liaison file


@pytest.mark.django_db
def test_a_liaison_file_leaves_as_a_tddui_bundle_of_the_parts_the_person_agreed_to_send():
    from parcours.coordination import liaison as liaisons
    from parcours.fhir.context import Context
    from parcours.fhir.exchange import liaison_bundle
    from parcours.people.models import Relative
    from parcours.records.models import Goal, Need, Note

    site = Site()
    actor = Actor(user=site.director.user, channel="web")
    note = Note.objects.filter(person=site.person).get()
    liaison = liaisons.prepare_and_send(
        site.person,
        from_establishment=site.establishment,
        to_establishment=site.partner,
        actor=actor,
        parts=["identity", "needs", "notes"],
        note_uuids=[str(note.uuid)],
        consent={"given_by": "person", "how": "signed_paper"},
    )
    receiver = make_professional(site.partner)

    class Caller:
        def __init__(self, user):
            self.actor = Actor(user=user, channel="fhir")

    bundle = liaison_bundle(Context(Caller(receiver.user), "https://parcours.example/fhir"), liaison)
    check_resource(bundle)
    assert bundle["type"] == "transaction" and bundle["meta"]["profile"] == [BUNDLE_PROFILE]
    ids = {entry["resource"]["id"] for entry in bundle["entry"]}
    assert str(site.person.uuid) in ids
    for need in Need.objects.filter(assessment__person=site.person):
        if registry.parts("ServiceRequest"):
            assert str(need.uuid) in ids
    # Only the parts chosen: neither the contacts nor the projet.
    assert not ids & {str(value) for value in Relative.objects.values_list("uuid", flat=True)}
    assert not ids & {str(value) for value in Goal.objects.values_list("uuid", flat=True)}
    for entry in bundle["entry"]:
        check_resource(entry["resource"])
        assert entry["request"]["method"] == "POST"
    # The receiver read the record through the person's consent, and that is logged.
    reads = AccessLogEntry.objects.filter(person=site.person, actor=receiver.user, action="read")
    assert set(reads.values_list("basis", flat=True)) == {"consent"}
    # Someone who is neither the sender nor the receiver gets nothing.
    from parcours.fhir.outcome import FhirError

    stranger = make_professional(EstablishmentFactory())
    with pytest.raises(FhirError) as refused:
        liaison_bundle(Context(Caller(stranger.user), "https://parcours.example/fhir"), liaison)
    assert refused.value.status == 404
