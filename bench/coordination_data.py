"""The coordination rows of the department-scale bench, added to the database bench/department.py builds.

The demo generator already writes the waiting lists (tens of thousands of entries). This adds what
the department needs to time the coordination's pages (bench/waiting_list.py, bench/circle.py):
- 2,000 circles of carers around persons supported today, of 4 to 8 members each: professionals of
  the person's establishment and of others (each with a login, and the person's consent covering the
  identity to the other structures), a family carer; 8 tasks, 12 appointments and 3 conversations of
  4 messages per circle. The demo professional (`educatrice`) is a member of 60 circles: those
  of the persons her establishment supports, and others through the person's consent;
- on the establishment with the longest waiting list today, priorities spread over its candidates,
  and a login for its director (`bench-liste`, the demo password and an authentication app).

Idempotent: run again, it adds nothing that is already there. Only 127.0.0.1 is contacted.

    .venv/bin/python bench/coordination_data.py --server postgres://parcours:parcours@127.0.0.1:5432
    .venv/bin/python bench/coordination_data.py --build ...   # first (re)build parcours_bench

`--build` builds the department data set the way bench/department.py does (migrate, then the demo
generator at department scale), in this process so that the bulk writer can be given the database
defaults of the columns the generator does not list (`MdphDecision.national_reference`, added with
the coordination, is not in the generator's COPY columns: the plain `parcours demo-data --scale
department` fails on its NOT NULL constraint until the generator lists it).
"""

import argparse
import datetime
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.department import (  # noqa: E402 - the path above
    LOGINS,
    PYTHON,
    add_database_arguments,
    local_database_url,
    log,
    run_parcours,
    server_env,
)

CIRCLES = 2000
EDUCATOR_CIRCLES = 60
TASKS, EVENTS, THREADS, MESSAGES = 8, 12, 3, 4
LIST_LOGIN = "bench-liste"
POOL_PER_ESTABLISHMENT = 12
# The longest list of the demo data set is a few dozen candidates; lists of several hundred are
# common for adult services (MAS, FAM, foyers): it is grown to this many, plus decisions of the year.
LIST_WAITING = 500
LIST_DECIDED = 300
SEED = 6


# -- in the Django process ---------------------------------------------------------------------------


def patch_bulk_writer() -> None:
    """Give the COPY writer the default of every NOT NULL column the generator's table does not list
    (Django fills them through the ORM; COPY does not)."""
    from parcours.demo.writers import CopyWriter

    original = CopyWriter._columns

    def _columns(self, table):
        columns, extra = original(self, table)
        listed = set(table.columns)
        added = []
        for f in table.model._meta.concrete_fields:
            if f.primary_key or f.null or f.attname in listed or f.column in columns:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                continue
            default = f.get_default()
            if default is None:
                continue
            columns.append(f.column)
            added.append(default)
        return columns, tuple(extra) + tuple(added)

    CopyWriter._columns = _columns


def generate(seed: int) -> None:
    from parcours.demo.services import Progress, generate_demo_data

    patch_bulk_writer()
    report = generate_demo_data(scale="department", seed=seed, progress=Progress(log))
    for label, count in report.counts.items():
        log(f"  {label:<50} {count:>12,}".replace(",", " "))


def add_coordination(seed: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import Count
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from parcours.accounts.models import User
    from parcours.coordination.enums import WaitingListPriority
    from parcours.coordination.models import (
        CircleMember,
        WaitingListEntry,
    )
    from parcours.demo.generator import DEMO_PASSWORD
    from parcours.staff.enums import Role
    from parcours.staff.models import Membership, Professional

    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    password = make_password(DEMO_PASSWORD)

    with transaction.atomic():
        # The longest waiting list today, its priorities and its director's login.
        largest = (
            WaitingListEntry.objects.waiting(today)
            .values("establishment")
            .annotate(n=Count("pk"))
            .order_by("-n", "establishment")
            .first()
        )
        if largest is None:
            raise SystemExit("aucune liste d'attente : la base a-t-elle été construite ?")
        establishment_id = largest["establishment"]
        entries = list(
            WaitingListEntry.objects.waiting(today)
            .filter(establishment_id=establishment_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if len(entries) < LIST_WAITING:
            entries += grow_list(establishment_id, LIST_WAITING - len(entries), rng, today)
        for priority, share in ((WaitingListPriority.URGENT, 0.1), (WaitingListPriority.HIGH, 0.25)):
            chosen = [pk for pk in entries if rng.random() < share]
            WaitingListEntry.objects.filter(pk__in=chosen, priority=WaitingListPriority.NORMAL).update(
                priority=priority
            )
        log(f"  liste d'attente la plus longue : {len(entries)} candidats (établissement {establishment_id})")
        if not User.objects.filter(username=LIST_LOGIN).exists():
            director = (
                Membership.objects.active()
                .filter(establishment_id=establishment_id, role=Role.ESTABLISHMENT_DIRECTOR)
                .select_related("professional")
                .order_by("pk")
                .first()
            )
            if director is None:
                professional = (
                    Professional.objects.filter(
                        memberships__establishment_id=establishment_id, user__isnull=True
                    )
                    .order_by("pk")
                    .first()
                )
                Membership.objects.create(
                    professional=professional,
                    establishment_id=establishment_id,
                    role=Role.ESTABLISHMENT_DIRECTOR,
                    start_date=today,
                )
            else:
                professional = director.professional
            if professional.user_id is not None:
                raise SystemExit("la direction de la liste la plus longue a déjà un compte")
            user = User.objects.create(
                username=LIST_LOGIN,
                first_name=professional.first_name,
                last_name=professional.last_name,
                password=password,
                email=f"{LIST_LOGIN}@example.org",
            )
            professional.user = user
            professional.save(update_fields=["user"])
            TOTPDevice.objects.create(user=user, name="Banc", confirmed=True)
            log(f"  compte {LIST_LOGIN} : direction de cet établissement")

        educator = User.objects.get(username=LOGINS["pro"])
        educator_pro = Professional.objects.get(user=educator)
        educator_est = educator_pro.memberships.active().order_by("pk").first().establishment_id
        if CircleMember.objects.exists():
            log("  cercles déjà présents")
        else:
            add_circles(rng, today, now, password, educator, educator_pro, educator_est)
        join_circles(educator, educator_est, today)


def join_circles(educator, educator_est: int, today: datetime.date) -> None:
    """The demo professional's establishment supports a few persons only: she also joins other
    circles, through her establishment, named by the person's consent, up to EDUCATOR_CIRCLES."""
    from parcours.access.enums import Category, ConsentDecision, ConsentGivenBy, ConsentHow
    from parcours.access.models import Consent
    from parcours.coordination.enums import CircleRole
    from parcours.coordination.models import CircleMember

    mine = CircleMember.objects.active().filter(user=educator)
    missing = EDUCATOR_CIRCLES - mine.count()
    if missing <= 0:
        return
    persons = list(
        CircleMember.objects.active()
        .exclude(person_id__in=mine.values("person_id"))
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()[:missing]
    )
    Consent.objects.bulk_create(
        Consent(
            person_id=person, establishment_id=educator_est, categories=[Category.IDENTITY],
            decision=ConsentDecision.GRANTED, given_by=ConsentGivenBy.PERSON, how=ConsentHow.SIGNED_PAPER,
            recorded_by_id=educator.pk, valid_from=today,
        )
        for person in persons
    )  # fmt: skip
    CircleMember.objects.bulk_create(
        CircleMember(
            person_id=person, user=educator, establishment_id=educator_est, role=CircleRole.PROFESSIONAL,
            added_by=educator,
        )
        for person in persons
    )  # fmt: skip
    log(f"  {LOGINS['pro']} rejoint {len(persons)} cercles de plus")


def add_circles(rng, today, now, password, educator, educator_pro, educator_est) -> None:
    from parcours.access.enums import Category, ConsentDecision, ConsentGivenBy, ConsentHow
    from parcours.access.models import Consent
    from parcours.accounts.models import User
    from parcours.coordination.enums import CircleRole, TaskStatus, ThreadAudience
    from parcours.coordination.models import (
        CircleEvent,
        CircleMember,
        CircleMessage,
        CircleTask,
        CircleThread,
    )
    from parcours.people.models import Relative
    from parcours.records.models import Admission
    from parcours.staff.enums import Role
    from parcours.staff.models import Membership, Professional

    # Persons supported today and their establishment (one each), the educator's first.
    supported: dict[int, int] = {}
    for person, est in (
        Admission.objects.active(today)
        .order_by("person_id", "pk")
        .values_list("person_id", "establishment_id")
    ):
        supported.setdefault(person, est)
    mine = list(
        Admission.objects.active(today)
        .filter(establishment_id=educator_est)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()[:EDUCATOR_CIRCLES]
    )
    for person in mine:
        supported[person] = educator_est
    others = [p for p in supported if p not in set(mine)]
    rng.shuffle(others)
    persons = mine + others[: CIRCLES - len(mine)]

    # A pool of professionals per establishment, each given a login.
    pool: dict[int, list[int]] = {}
    pending = []
    for pk, est in (
        Membership.objects.active()
        .filter(establishment__isnull=False, professional__user__isnull=True, role=Role.PROFESSIONAL)
        .order_by("establishment_id", "pk")
        .values_list("professional_id", "establishment_id")
    ):
        if len(pool.setdefault(est, [])) < POOL_PER_ESTABLISHMENT and pk not in pending:
            pool[est].append(pk)
            pending.append(pk)
    users = User.objects.bulk_create(
        [User(username=f"bench-pro-{k}", password=password) for k in range(len(pending))]
    )
    user_of: dict[int, int] = {}
    for pro_pk, user in zip(pending, users, strict=True):
        user_of[pro_pk] = user.pk
    for pro_pk, user_pk in user_of.items():
        Professional.objects.filter(pk=pro_pk).update(user_id=user_pk)
    user_of[educator_pro.pk] = educator.pk
    establishments = [est for est, pros in pool.items() if pros]
    relatives: dict[int, int] = {}
    for pk, person in (
        Relative.objects.filter(person_id__in=persons).order_by("pk").values_list("pk", "person_id")
    ):
        relatives.setdefault(person, pk)

    members, consents = [], []
    for person in persons:
        home = supported[person]
        size = rng.randint(4, 8)
        chosen: list[tuple[int, int, str]] = []  # (user, establishment, role)
        if person in mine:
            chosen.append((educator.pk, home, CircleRole.REFERENT))
        for pro in rng.sample(pool.get(home, []), min(len(pool.get(home, [])), 2)):
            chosen.append((user_of[pro], home, CircleRole.PROFESSIONAL))
        while len(chosen) < size - (1 if person in relatives else 0):
            est = rng.choice(establishments)
            pro = rng.choice(pool[est])
            if any(user == user_of[pro] for user, _e, _r in chosen):
                continue
            role = CircleRole.COORDINATOR if len(chosen) == 2 else CircleRole.PROFESSIONAL
            chosen.append((user_of[pro], est, role))
            if est != home:
                consents.append(
                    Consent(
                        person_id=person, establishment_id=est, categories=[Category.IDENTITY],
                        decision=ConsentDecision.GRANTED, given_by=ConsentGivenBy.PERSON,
                        how=ConsentHow.SIGNED_PAPER, recorded_by_id=educator.pk, valid_from=today,
                    )
                )  # fmt: skip
        for user, est, role in chosen:
            members.append(
                CircleMember(
                    person_id=person,
                    user_id=user,
                    establishment_id=est,
                    role=role,
                    added_by_id=educator.pk,
                )
            )
        if person in relatives:
            members.append(
                CircleMember(
                    person_id=person, relative_id=relatives[person], role=CircleRole.CARER,
                    added_by_id=educator.pk,
                )
            )  # fmt: skip
    Consent.objects.bulk_create(consents, batch_size=2000)
    members = CircleMember.objects.bulk_create(members, batch_size=2000)
    log(f"  {len(persons)} cercles, {len(members)} membres, {len(consents)} consentements")

    by_person: dict[int, list[CircleMember]] = {}
    for member in members:
        by_person.setdefault(member.person_id, []).append(member)
    tasks, events, threads = [], [], []
    for person, circle in by_person.items():
        pros = [m for m in circle if m.user_id]
        for k in range(TASKS):
            status = TaskStatus.DONE if k < TASKS // 2 else TaskStatus.OPEN
            tasks.append(
                CircleTask(
                    person_id=person, title=f"Tâche de suivi numéro {k + 1}", owner=rng.choice(circle),
                    due_on=today + datetime.timedelta(days=rng.randint(-60, 60)), status=status,
                    created_by_id=rng.choice(pros).user_id,
                    done_at=now if status == TaskStatus.DONE else None,
                )
            )  # fmt: skip
        for _k in range(EVENTS):
            starts = now + datetime.timedelta(days=rng.randint(-180, 60), hours=rng.randint(0, 8))
            events.append(
                CircleEvent(
                    person_id=person, title="Rendez-vous de suivi", starts_at=starts,
                    ends_at=starts + datetime.timedelta(hours=1), place="Centre médico-social",
                    with_whom="Équipe du cercle", created_by_id=rng.choice(pros).user_id,
                )
            )  # fmt: skip
        for k in range(THREADS):
            threads.append(
                CircleThread(
                    person_id=person,
                    audience=ThreadAudience.FAMILY if k == 0 else ThreadAudience.TEAM,
                    subject=f"Coordination {k + 1}",
                    started_by_id=rng.choice(pros).user_id,
                    last_message_at=now - datetime.timedelta(days=k),
                )
            )
    CircleTask.objects.bulk_create(tasks, batch_size=2000)
    CircleEvent.objects.bulk_create(events, batch_size=2000)
    threads = CircleThread.objects.bulk_create(threads, batch_size=2000)
    messages = []
    for thread in threads:
        pros = [m for m in by_person[thread.person_id] if m.user_id]
        for k in range(MESSAGES):
            messages.append(
                CircleMessage(
                    thread=thread, author_id=rng.choice(pros).user_id,
                    body="Point d'étape : tout est en ordre pour la suite.",
                    sent_at=thread.last_message_at - datetime.timedelta(hours=MESSAGES - k),
                )
            )  # fmt: skip
    CircleMessage.objects.bulk_create(messages, batch_size=2000)
    log(
        f"  {len(tasks)} tâches, {len(events)} rendez-vous, {len(threads)} conversations, "
        f"{len(messages)} messages"
    )


def grow_list(establishment_id: int, count: int, rng: random.Random, today: datetime.date) -> list[int]:
    """Register `count` more persons of the department waiting on this establishment's list, and
    LIST_DECIDED entries that left it during the last year; returns the new waiting entries' ids."""
    from parcours.coordination.enums import WaitingListOutcome
    from parcours.coordination.models import WaitingListEntry
    from parcours.organisations.enums import SupportMode
    from parcours.organisations.models import Capacity
    from parcours.people.models import Person

    modes = list(
        Capacity.objects.filter(establishment_id=establishment_id)
        .exclude(mode=SupportMode.ACCUEIL_TEMPORAIRE)
        .values_list("mode", flat=True)
    ) or [SupportMode.INTERNAT]
    present = set(
        WaitingListEntry.objects.filter(establishment_id=establishment_id).values_list("person_id", flat=True)
    )
    persons = [
        pk
        for pk in Person.objects.exclude(admissions__establishment_id=establishment_id)
        .order_by("pk")
        .values_list("pk", flat=True)
        if pk not in present
    ]
    chosen = rng.sample(persons, min(len(persons), count + LIST_DECIDED))
    outcomes = [
        WaitingListOutcome.ADMITTED,
        WaitingListOutcome.ORIENTED_ELSEWHERE,
        WaitingListOutcome.WITHDRAWN,
    ]
    rows = []
    for k, person in enumerate(chosen):
        registered = today - datetime.timedelta(days=rng.randint(5, 1500))
        left = outcome = None
        if k >= count:
            left = max(registered, today - datetime.timedelta(days=rng.randint(1, 360)))
            outcome = rng.choice(outcomes)
        rows.append(
            WaitingListEntry(
                person_id=person, establishment_id=establishment_id,
                mode=rng.choice(modes), registered_on=registered, left_on=left, outcome=outcome or "",
                decision_note="Décision de la commission d'admission" if left else "",
            )
        )  # fmt: skip
    created = WaitingListEntry.objects.bulk_create(rows, batch_size=2000)
    decided = max(0, len(created) - count)
    log(f"  liste allongée : {len(created) - decided} candidats de plus, {decided} sorties")
    return [entry.pk for entry in created if entry.left_on is None]


def in_process(step: str, seed: int) -> None:
    import django

    django.setup()
    started = time.perf_counter()
    {"generate": generate, "coordination": add_coordination}[step](seed)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"  ✓ {step} en {time.perf_counter() - started:.1f} s")


# -- driver ------------------------------------------------------------------------------------------


def run_step(step: str, seed: int, env: dict) -> None:
    process = subprocess.run(  # noqa: S603 - our own interpreter and script
        [str(PYTHON), str(Path(__file__).resolve()), "--in-process", step, "--seed", str(seed)],
        cwd=ROOT,
        env=env,
        check=False,
    )
    if process.returncode != 0:
        raise SystemExit(f"échec de l'étape {step}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_arguments(parser)
    parser.add_argument("--seed", type=int, default=1, help="seed of the demo generator (--build)")
    parser.add_argument("--build", action="store_true", help="(re)build the department data set first")
    parser.add_argument("--in-process", choices=("generate", "coordination"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process:
        in_process(args.in_process, args.seed if args.in_process == "generate" else SEED)
        return
    database_url = local_database_url(parser, args)
    env = server_env(database_url)
    if args.build:
        log(f"▶ base {args.database} : création")
        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{args.database}"')
        run_parcours(["migrate", "--noinput", "-v", "0"], env)
        log("▶ données de démonstration, taille department")
        run_step("generate", args.seed, env)
    else:
        # An older bench database: bring its tables up to date first.
        run_parcours(["migrate", "--noinput", "-v", "0"], env)
    log("▶ cercles et liste d'attente du banc")
    run_step("coordination", SEED, env)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.exit(main())
