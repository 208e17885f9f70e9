"""A small world for the coordination of the parcours, in one department: Tom, 19, leaves the IME Les
Tilleuls (category 183) with an MDPH orientation towards an ESAT (category 246) and a foyer
d'hébergement (category 252); the ESAT du Rhône and the Foyer des Monts, each with a professional and
a director; a SAVS (category 446) nobody asked yet; Tom's mother; and another young adult, Inès,
oriented towards an ESAT and admitted nowhere (a person "sans solution")."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from parcours.organisations.enums import SupportMode
from parcours.staff.enums import Role
from tests.factories import (
    AdmissionFactory,
    EstablishmentFactory,
    GestionnaireFactory,
    MdphDecisionFactory,
    PersonFactory,
    RelativeFactory,
    concept,
    make_professional,
)


def ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def department(db):
    g = GestionnaireFactory(name="Association Les Cèdres")
    ime = EstablishmentFactory(
        gestionnaire=g, name="IME Les Tilleuls", category=concept("finess-categories", "183")
    )
    esat = EstablishmentFactory(
        gestionnaire=g, name="ESAT du Rhône", category=concept("finess-categories", "246")
    )
    foyer = EstablishmentFactory(
        name="Foyer des Monts",
        category=concept("finess-categories", "252"),
        capacities={SupportMode.INTERNAT: 20},
    )
    savs = EstablishmentFactory(name="SAVS Lyon Est", category=concept("finess-categories", "446"))
    tom = PersonFactory(birth_name="Moreau", first_names="Tom", birth_date=datetime.date(2006, 5, 4))
    AdmissionFactory(person=tom, establishment=ime, start_date=ago(2000))
    mother = RelativeFactory(person=tom, first_name="Claire", last_name="Moreau")
    orientation_esat = MdphDecisionFactory(
        person=tom, category="246", reference="MDPH69-2026-0042", decision_date=ago(90), start_date=ago(60),
        end_date=ago(-1765),
    )  # fmt: skip
    orientation_foyer = MdphDecisionFactory(
        person=tom, category="252", reference="MDPH69-2026-0043", decision_date=ago(90), start_date=ago(60),
        end_date=ago(-1765),
    )  # fmt: skip
    ines = PersonFactory(birth_name="Roux", first_names="Inès", birth_date=datetime.date(2004, 9, 1))
    MdphDecisionFactory(
        person=ines, category="246", decision_date=ago(400), start_date=ago(380), end_date=ago(-300)
    )
    return SimpleNamespace(
        g=g,
        ime=ime,
        esat=esat,
        foyer=foyer,
        savs=savs,
        tom=tom,
        mother=mother,
        orientation_esat=orientation_esat,
        orientation_foyer=orientation_foyer,
        ines=ines,
        ime_pro=make_professional(ime, first_name="Inès", last_name="Martin"),
        ime_director=make_professional(ime, role=Role.ESTABLISHMENT_DIRECTOR),
        esat_pro=make_professional(esat, first_name="Karim", last_name="Benali"),
        esat_director=make_professional(esat, role=Role.ESTABLISHMENT_DIRECTOR),
        foyer_pro=make_professional(foyer),
        foyer_director=make_professional(foyer, role=Role.ESTABLISHMENT_DIRECTOR),
        savs_pro=make_professional(savs),
    )
