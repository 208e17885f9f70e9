import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from parcours.access.enums import Action
from parcours.access.models import AccessLogEntry
from parcours.people import services
from parcours.people.models import Deficiency, Person
from tests.factories import AdmissionFactory, PersonFactory, RelativeFactory, concept

pytestmark = pytest.mark.django_db
BORN = datetime.date(2004, 9, 15)


@pytest.mark.parametrize(
    ("birth_name", "first_names", "similar"),
    [
        ("BERNARD", "Zoé", True),  # same birth name, whatever the first name
        ("Bérnard", "", True),  # accents and case ignored
        ("Bernart", "Chloé", True),  # same first first name, close birth name
        ("Bernadotte", "Chloé", False),  # same first name but names too far apart
        ("Bernart", "Anne", False),  # close name, other first name
        ("Dupont", "Chloé", True),  # the used name
    ],
)
def test_similar_identity(birth_name, first_names, similar):
    person = Person(birth_name="Bernard", used_name="Dupont", first_names="Chloé Anne", birth_date=BORN)
    assert services.is_similar_identity(person, birth_name, first_names) is similar


def test_find_duplicates_reveals_only_visible_persons(world):
    mine = PersonFactory(birth_name="Bernard", first_names="Chloé", birth_date=BORN)
    AdmissionFactory(person=mine, establishment=world.a)
    theirs = PersonFactory(birth_name="Bernard", first_names="Chloé", birth_date=BORN)
    AdmissionFactory(person=theirs, establishment=world.c)
    PersonFactory(birth_name="Bernard", first_names="Chloé", birth_date=BORN + datetime.timedelta(days=1))
    check = services.find_duplicates(world.actor(world.pro_a), "bernard", "chloe", BORN)
    assert check.candidates == [mine]
    assert check.hidden_match and "cellule d'identitovigilance" in check.hidden_message
    assert AccessLogEntry.objects.filter(person=mine, action=Action.SEARCH).count() == 1
    assert not AccessLogEntry.objects.filter(person=theirs).exists()
    assert not services.find_duplicates(world.actor(world.pro_a), "Zola", "Émile", BORN)


def test_create_person_needs_a_writable_establishment(world):
    with pytest.raises(PermissionDenied):
        services.create_person(
            establishment=world.b,
            actor=world.actor(world.pro_a),
            birth_name="X",
            first_names="Y",
            birth_date=BORN,
            sex="F",
        )
    assert not Person.objects.filter(birth_name="X").exists()


def test_set_deficiencies_checks_the_code_system(world):
    actor = world.actor(world.pro_a)
    with pytest.raises(ValidationError, match="nomenclature attendue"):
        services.set_deficiencies(
            world.person_a, main=concept("serafin-ph-besoins", "1.2.1.1"), associated=[], actor=actor
        )
    services.set_deficiencies(
        world.person_a,
        main=concept("deficiences", "02"),
        associated=[concept("deficiences", "03")],
        actor=actor,
    )
    services.set_deficiencies(
        world.person_a, main=None, associated=[concept("deficiences", "01")], actor=actor
    )
    assert list(Deficiency.objects.values_list("concept__code", "is_main")) == [("01", False)]


def test_protection_relative_must_be_the_persons(world):
    stranger = RelativeFactory(person=world.person_b)
    with pytest.raises(ValidationError, match="pas rattaché à cette personne"):
        services.add_legal_protection(
            world.person_a,
            measure="tutelle",
            start_date=BORN,
            representative_relative=stranger,
            actor=world.actor(world.pro_a),
        )


def test_mdph_orientation_category_must_be_a_finess_category(world):
    with pytest.raises(ValidationError, match="nomenclature attendue"):
        services.add_mdph_decision(
            world.person_a,
            decision_type="orientation_esms",
            decision_date=BORN,
            start_date=BORN,
            orientation_category=concept("deficiences", "02"),
            actor=world.actor(world.pro_a),
        )


def test_update_person_rules(world):
    with pytest.raises(ValidationError, match="futur"):
        services.update_person(
            world.person_a, birth_date=datetime.date(2999, 1, 1), actor=world.actor(world.pro_a)
        )
    with pytest.raises(PermissionDenied):
        services.update_person(world.person_a, phone="0600000000", actor=world.actor(world.gdir))
