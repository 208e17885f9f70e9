"""Fixtures of the FHIR API tests: registered clients, their tokens, a JSON client on the test
server (`fhir_api`) and the real FHIR client fhirpy against the live server (`fhirpy_client`)."""

import json

import pytest
from django.test import Client

from parcours.fhir.clients import register_client
from parcours.staff.enums import Role
from tests.factories import AdmissionFactory, EstablishmentFactory, PersonFactory, make_professional

FHIR_JSON = "application/fhir+json"


def get_token(client_id: str, secret: str, scope: str | None = None, http=None) -> dict:
    http = http or Client()
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scope is not None:
        data["scope"] = scope
    response = http.post("/fhir/auth/token", data)
    return {"status": response.status_code, **response.json()}


class FhirApi:
    """The test client with a bearer token, speaking FHIR JSON."""

    def __init__(self, token: str):
        self.http = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def get(self, path: str, **params):
        return self.http.get(f"/fhir/{path.lstrip('/')}", params)

    def post(self, path: str, resource, **headers):
        return self.http.post(f"/fhir/{path.lstrip('/')}", json.dumps(resource), content_type=FHIR_JSON,
                              headers=headers)  # fmt: skip

    def put(self, path: str, resource, **headers):
        return self.http.put(f"/fhir/{path.lstrip('/')}", json.dumps(resource), content_type=FHIR_JSON,
                             headers=headers)  # fmt: skip


@pytest.fixture
def fhir_client_for(db):
    """fhir_client_for(user, *scopes) -> FhirApi with a token of a client registered for that user."""

    def make(user, *scopes: str) -> FhirApi:
        _, client_id, secret = register_client(user=user, name="Logiciel partenaire", scopes=list(scopes))
        token = get_token(client_id, secret)
        assert token["status"] == 200, token
        return FhirApi(token["access_token"])

    return make


@pytest.fixture
def fhir_world(db):
    """An establishment, its director and a professional of its team (both with a login), and two
    persons admitted there; a second establishment with a person of its own."""
    establishment = EstablishmentFactory()
    other = EstablishmentFactory()
    director = make_professional(establishment, role=Role.ESTABLISHMENT_DIRECTOR)
    educator = make_professional(establishment)
    outsider = make_professional(other)
    persons = [PersonFactory(opened_by=establishment) for _ in range(2)]
    for person in persons:
        AdmissionFactory(person=person, establishment=establishment)
    stranger = PersonFactory(opened_by=other)
    AdmissionFactory(person=stranger, establishment=other)

    class World:
        pass

    world = World()
    world.establishment, world.other = establishment, other
    world.director, world.educator, world.outsider = director, educator, outsider
    world.persons, world.stranger = persons, stranger
    return world


@pytest.fixture
def fhirpy_client(live_server):
    """fhirpy_client(user, *scopes) -> fhirpy.SyncFHIRClient on the live server, with a token obtained
    from the token endpoint over HTTP."""
    import requests
    from fhirpy import SyncFHIRClient

    def make(user, *scopes: str) -> SyncFHIRClient:
        _, client_id, secret = register_client(user=user, name="Client fhirpy", scopes=list(scopes))
        answer = requests.post(
            f"{live_server.url}/fhir/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return SyncFHIRClient(
            f"{live_server.url}/fhir", authorization=f"Bearer {answer.json()['access_token']}"
        )

    return make


@pytest.fixture(scope="session")
def instance_templates(tmp_path_factory, django_db_setup, django_db_blocker):
    from tests.fhir.instances import Templates

    with django_db_blocker.unblock():
        templates = Templates(tmp_path_factory.mktemp("instances"))
    yield templates
    with django_db_blocker.unblock():
        templates.drop()


@pytest.fixture
def empty_instance(instance_templates, django_db_blocker):
    """A second Parcours instance, empty but for the reference data, on its own database and server;
    `.token` is its administrator's client (import allowed)."""
    from tests.fhir.instances import start_instance

    with django_db_blocker.unblock():
        instance, finish = start_instance(instance_templates)
    yield instance
    with django_db_blocker.unblock():
        finish()
