"""Generating the demonstration data: the one entry point of the command and of the task.

Business rules:
- the demo only fills an empty database, or replaces a previous demo when asked to (reset);
- the department scale (10 million service-log rows) needs PostgreSQL;
- everything is written in one transaction: a failure leaves the database as it was;
- the access log stays empty: generated rows are reference data, nobody read anything;
- the rollups of the service log are rebuilt at the end, in the same transaction.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from parcours.accounts.models import User
from parcours.demo.absences import create_demo_absences
from parcours.demo.coordination import create_demo_coordination
from parcours.demo.finance import plan_finance
from parcours.demo.generator import (
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    LOGIN_ADMIN,
    LOGIN_DIRECTOR,
    LOGIN_PROFESSIONAL,
    SCALES,
    DemoDataError,
    DemoGenerator,
    Nomenclature,
)
from parcours.demo.portal import create_demo_space
from parcours.demo.waiting import create_demo_waiting_lists
from parcours.demo.writers import CopyWriter, OrmWriter, analyze, demo_models, reset_demo_data
from parcours.organisations.models import Authority, AuthorityAgent, Establishment, Gestionnaire
from parcours.people.models import Person
from parcours.records.models import Goal, Note, ServiceDelivery
from parcours.reporting import rollups
from parcours.staff.models import Contract, Professional

__all__ = ["DEMO_PASSWORD", "DemoDataError", "DemoReport", "Progress", "generate_demo_data"]


# The goal-need link table is auto-created by the ManyToManyField: give it a readable name.
LABELS = {Goal.needs.through: "besoins visés par les objectifs"}


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


class Progress:
    """Phases, counts and rates, written as lines (counts only: never a name or a text)."""

    def __init__(self, write: Callable[[str], None] | None = None, interval: float = 3.0):
        self.write = write or (lambda line: None)
        self.interval = interval
        self.current = ""
        self.timings: dict[str, float] = {}
        self.rows: dict[str, int] = {}
        self._started = self._last = 0.0
        self.done = 0
        self.total: int | None = None

    def phase(self, name: str, total: int | None = None) -> None:
        self.end()
        self.current, self.total, self.done = name, total, 0
        self._started = self._last = time.perf_counter()
        self.write(f"▶ {name}" + (f" ({_number(total)} lignes prévues)" if total else ""))

    def advance(self, count: int) -> None:
        self.done += count
        now = time.perf_counter()
        if now - self._last >= self.interval:
            self._last = now
            rate = self.done / max(now - self._started, 1e-6)
            share = f" ({100 * self.done / self.total:.0f} %)" if self.total else ""
            self.write(f"  {self.current} : {_number(self.done)}{share} — {_number(rate)} lignes/s")

    def end(self) -> None:
        if not self.current:
            return
        elapsed = time.perf_counter() - self._started
        self.timings[self.current] = self.timings.get(self.current, 0.0) + elapsed
        self.rows[self.current] = self.done
        rate = f", {_number(self.done / elapsed)} lignes/s" if self.done and elapsed > 0.05 else ""
        self.write(f"  ✓ {self.current} : {_number(self.done)} en {elapsed:.1f} s{rate}")
        self.current = ""


@dataclass
class DemoReport:
    scale: str
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)
    password: str = DEMO_PASSWORD
    # username -> otpauth:// URI of the account's authentication app (its key inside, in base32).
    totp_uris: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "scale": self.scale,
            "seed": self.seed,
            "counts": self.counts,
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
            "logins": [username for username, _ in self.logins],
            "seconds": round(self.seconds, 2),
        }


def existing_data() -> int:
    """How many persons, establishments, gestionnaires, professionals or demo logins exist."""
    return sum(model.objects.count() for model in (Person, Establishment, Gestionnaire, Professional)) + (
        User.objects.filter(username__in=DEMO_USERNAMES).count()
    )


def generate_demo_data(
    *, scale: str, seed: int, reset: bool = False, force: bool = False, progress: Progress | None = None
) -> DemoReport:
    """Build the synthetic data set of that scale, the same for the same seed."""
    if scale not in SCALES:
        raise DemoDataError(f"Taille inconnue : {scale} (choix : {', '.join(SCALES)}).")
    spec = SCALES[scale]
    connection = connections[DEFAULT_DB_ALIAS]
    postgres = connection.vendor == "postgresql"
    if scale == "department" and not postgres and not force:
        raise DemoDataError(
            "La taille « department » (20 000 personnes, 10 millions de prestations) demande PostgreSQL : "
            "définissez DATABASE_URL vers une base PostgreSQL, ou ajoutez --force pour l'essayer quand même "
            "sur SQLite (plusieurs heures)."
        )
    progress = progress or Progress()
    started = time.perf_counter()
    if existing_data() and not reset:
        raise DemoDataError(
            "La base contient déjà des données (personnes, établissements ou professionnels). Relancez avec "
            "--reset pour les effacer et les remplacer par les données de démonstration."
        )
    bulk = postgres and scale == "department"
    report = DemoReport(scale=scale, seed=seed)
    try:
        with transaction.atomic():
            if reset:
                progress.phase("effacement des données existantes")
                reset_demo_data(connection)
            report.counts, report.logins, report.totp_uris = _generate(spec, seed, connection, progress, bulk)
            # The dashboards read the totals of the service log, never the log itself.
            progress.phase("cumuls du journal des prestations")
            progress.advance(rollups.refresh_all().rows)
            progress.end()
        if postgres:
            progress.phase("statistiques du planificateur (ANALYZE)")
            analyze(
                connection,
                [m._meta.db_table for m in demo_models()],
                vacuum=bulk and not connection.in_atomic_block,
            )
    except DemoDataError:
        raise
    except Exception as exc:
        phase = progress.current or "?"
        progress.current = ""
        raise DemoDataError(
            f"Échec pendant la phase « {phase} » : la transaction est annulée, la base est revenue à son "
            f"état précédent. Cause : {type(exc).__name__}: {exc}"
        ) from exc
    progress.end()
    report.timings = dict(progress.timings)
    report.seconds = time.perf_counter() - started
    return report


def _generate(
    spec, seed: int, connection, progress: Progress, bulk: bool
) -> tuple[dict[str, int], list, dict]:
    nomenclature = Nomenclature.load()
    generator = DemoGenerator(spec, seed, nomenclature)
    progress.phase("organismes, établissements et capacités")
    generator.plan_organisations()
    progress.phase("professionnels, contrats et équipes")
    generator.plan_staff()
    progress.phase("accompagnements (calibrage des places)")
    generator.plan_stays()
    progress.phase("personnes, proches, mesures de protection, décisions MDPH")
    generator.plan_persons()
    progress.phase("admissions, évaluations, projets personnalisés")
    generator.plan_records()
    progress.phase("comptes financiers")
    plan_finance(generator)
    progress.end()

    progress.phase("comptes de démonstration")
    password = make_password(DEMO_PASSWORD)
    names = generator.login_names()
    user_ids = {}
    totp_uris = {}
    for username in DEMO_USERNAMES:
        first, last = names.get(username, ("", ""))
        user = User.objects.create(
            username=username,
            first_name=first,
            last_name=last,
            password=password,
            email=f"{username}@example.org",
            is_staff=username == LOGIN_ADMIN,
            is_superuser=username == LOGIN_ADMIN,
        )
        user_ids[username] = user.pk
        # Every demo account has an authentication app, its key printed: the logins work whether the
        # second factor is required (production settings, the benchmark) or not (`make demo`).
        device = TOTPDevice.objects.create(user=user, name="Démonstration", confirmed=True)
        totp_uris[username] = device.config_url
    generator.attach_users(user_ids)
    for username, kind, name, region, department in generator.authorities():
        authority = Authority.objects.create(
            kind=kind, name=name, region_code=region, department_code=department
        )
        AuthorityAgent.objects.create(
            user_id=user_ids[username], authority=authority, start_date=generator.today
        )

    writer = CopyWriter(connection, generator.now) if bulk else OrmWriter(connection)
    tables = list(generator.tables.values())
    writer.prepare(tables)
    counts: dict[str, int] = {}
    for table in tables:
        label = LABELS.get(table.model, str(table.model._meta.verbose_name_plural))
        progress.phase(f"écriture : {label}", total=len(table.rows))
        counts[label] = writer.write_table(table, progress)
    expected_services, expected_notes = generator.expected_activity()
    progress.phase("écriture : prestations réalisées", total=expected_services)
    counts[str(ServiceDelivery._meta.verbose_name_plural)] = writer.write_services(
        generator.services_by_month(), progress
    )
    progress.phase("écriture : transmissions", total=expected_notes)
    counts[str(Note._meta.verbose_name_plural)] = writer.write_notes(generator.notes_by_month(), progress)
    writer.finish(progress)
    # Absences and waiting lists read the contracts and admissions just written.
    since = generator.d(generator.window_start_o)
    progress.phase("écriture : absences")
    counts["absences"] = create_demo_absences(
        Contract.objects.all(),
        rng=generator.rng("absences"),
        since=since,
        today=generator.today,
        progress=progress,
    )
    progress.phase("écriture : inscriptions en liste d'attente")
    counts["inscriptions en liste d'attente"] = create_demo_waiting_lists(
        Establishment.objects.all(),
        rng=generator.rng("waiting-lists"),
        since=since,
        today=generator.today,
        progress=progress,
    )
    progress.phase("écriture : espace de la personne et de sa famille")
    portal_logins = create_demo_space(
        generator.demo_est.id,
        educator_user_id=user_ids[LOGIN_PROFESSIONAL],
        director_user_id=user_ids[LOGIN_DIRECTOR],
        password=DEMO_PASSWORD,
        rng=generator.rng("portal"),
    )
    progress.phase("écriture : demandes d'admission, dossier de liaison, cercle d'accompagnement")
    coordination_counts, coordination_logins = create_demo_coordination(
        generator.demo_est.id,
        educator_user_id=user_ids[LOGIN_PROFESSIONAL],
        director_user_id=user_ids[LOGIN_DIRECTOR],
        family_username="famille",
        password=DEMO_PASSWORD,
        rng=generator.rng("coordination"),
    )
    counts.update(coordination_counts)
    # The partner is a professional: like the team's logins, an authentication app with its key printed.
    for user in User.objects.filter(username__in=[username for username, _ in coordination_logins]):
        if hasattr(user, "professional"):
            device = TOTPDevice.objects.create(user=user, name="Démonstration", confirmed=True)
            totp_uris[user.username] = device.config_url
    logins = portal_logins + coordination_logins
    counts["comptes"] = len(user_ids) + len(logins)
    return counts, generator.login_descriptions() + logins, totp_uris
