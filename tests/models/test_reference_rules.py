"""Model rules of the reference side: organisations, staff, nomenclatures."""

import csv
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from parcours.nomenclature.loader import DATA_DIR, SYSTEMS, load_systems
from parcours.nomenclature.models import CodeSystem, Concept
from parcours.organisations.models import Establishment
from parcours.staff.enums import ContractType, Role
from parcours.staff.models import Contract, Membership
from tests.factories import (
    EstablishmentFactory,
    GestionnaireFactory,
    ProfessionalFactory,
    concept,
    with_luhn_key,
)

pytestmark = pytest.mark.django_db


def test_every_code_of_the_data_files_is_loaded_once():
    for spec in SYSTEMS:
        with open(DATA_DIR / spec.file, encoding="utf-8") as handle:
            codes = {row["code"] for row in csv.DictReader(handle)}
        loaded = set(Concept.objects.of(spec.slug).values_list("code", flat=True))
        assert loaded == codes, spec.slug


def test_loading_again_changes_nothing():
    before = Concept.objects.count()
    load_systems(CodeSystem, Concept)
    assert Concept.objects.count() == before


def test_serafin_national_codes_follow_the_smt():
    # The SMT flattens one level of the CNSA numbering for health needs (1.1.1.1 -> 1.1.1).
    need = concept("serafin-ph-besoins", "1.1.1.1")
    assert need.national_code == "1.1.1"
    assert need.label.startswith("Besoins en matière de fonctions mentales")


def test_codes_without_a_published_label_cannot_be_picked():
    assert not Concept.objects.of("serafin-ph-besoins").selectable().filter(code="1.1.1").exists()
    assert Concept.objects.of("serafin-ph-besoins").selectable().filter(code="1.1.1.1").exists()


def test_obsolete_finess_categories_are_kept_but_inactive():
    fam = concept("finess-categories", "437")
    assert not fam.active
    assert fam.end_date == datetime.date(2018, 10, 26)


def test_establishment_finess_key_and_department_are_checked():
    gestionnaire = GestionnaireFactory()
    establishment = Establishment(
        gestionnaire=gestionnaire,
        name="ESAT des Tilleuls",
        finess="690781811",
        category=concept("finess-categories", "246"),
        department_code="69",
        region_code="84",
    )
    with pytest.raises(ValidationError) as error:
        establishment.full_clean()
    assert "finess" in error.value.message_dict

    establishment.finess = with_luhn_key("75000001")
    with pytest.raises(ValidationError) as error:
        establishment.full_clean()
    assert error.value.message_dict["department_code"] == [
        "Le département ne correspond pas aux premiers caractères du numéro FINESS."
    ]

    establishment.department_code = "75"
    establishment.region_code = "11"
    establishment.full_clean()


def test_establishment_category_must_be_a_finess_category():
    establishment = EstablishmentFactory.build(
        gestionnaire=GestionnaireFactory(), category=concept("serafin-ph-besoins", "1.1")
    )
    with pytest.raises(ValidationError) as error:
        establishment.full_clean()
    assert "category" in error.value.message_dict


def test_gestionnaire_siren_key_is_checked():
    gestionnaire = GestionnaireFactory.build(siren="404833047")
    with pytest.raises(ValidationError) as error:
        gestionnaire.full_clean()
    assert "siren" in error.value.message_dict


def test_contract_fte_and_dates():
    establishment = EstablishmentFactory()
    professional = ProfessionalFactory()
    contract = Contract(
        professional=professional,
        employer=establishment,
        contract_type=ContractType.CDD,
        start_date=datetime.date(2025, 3, 1),
        end_date=datetime.date(2025, 2, 1),
        fte=Decimal("1.20"),
    )
    with pytest.raises(ValidationError) as error:
        contract.full_clean()
    assert set(error.value.message_dict) == {"end_date", "fte"}
    with pytest.raises(IntegrityError), transaction.atomic():
        contract.save()


def test_membership_scope_follows_the_role():
    establishment = EstablishmentFactory()
    professional = ProfessionalFactory()
    wrong = Membership(
        professional=professional,
        role=Role.GESTIONNAIRE_DIRECTOR,
        establishment=establishment,
        start_date=datetime.date(2024, 1, 1),
    )
    with pytest.raises(ValidationError):
        wrong.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        wrong.save()
    Membership(
        professional=professional,
        role=Role.GESTIONNAIRE_DIRECTOR,
        gestionnaire=establishment.gestionnaire,
        start_date=datetime.date(2024, 1, 1),
    ).full_clean()
