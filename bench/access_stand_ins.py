"""Bench only: trivial stand-ins for the access policy's decisions and the access log's writes.

`install()` replaces, in every loaded module of the application, each reference to the policy's
decision functions and to the log's writers by a stand-in that allows everything on the team basis
and writes nothing; the page itself (the person, their data, the timeline, the sharing panel, the
user's scope used for correction links) is left as it is. Names imported elsewhere with
`from ... import name` are found and replaced where they are used, not only where they are defined.

Used by bench/wsgi_without_access.py (the "without" server of bench/access_overhead.py) and by
its in-process profile. The application has no switch to turn the policy off: this lives in bench/.
"""

import importlib
import pkgutil
import sys
from dataclasses import dataclass

from django.urls import get_resolver

# Modules never imported here: they run a command line, hold tests or only define migrations.
SKIPPED = {"__main__", "tests", "migrations", "management", "conftest"}


@dataclass(frozen=True)
class Patch:
    module: str
    name: str
    original: object
    stand_in: object


def _stand_ins() -> dict:
    """original function → its stand-in."""
    from parcours.access import api, journal, policy
    from parcours.access.enums import Basis
    from parcours.people.models import Person

    allowed = policy.Decision(True, Basis.TEAM)

    def decide(user, person, category, action=None):
        return allowed

    def decide_many(user, person, categories, action=None):
        return dict.fromkeys(categories, allowed)

    def bases_for(user, person):
        return [Basis.TEAM]

    def consented_categories(user, person):
        return frozenset()

    def bases_for_many(user, person_ids, category, action=None):
        return dict.fromkeys(person_ids, Basis.TEAM)

    def visible_persons(user):
        return Person.objects.all()

    def record(actor, **kwargs):
        return None

    def record_many(actor, persons, **kwargs):
        return 0

    def read_person_categories(actor, person, categories):
        return dict.fromkeys(categories, allowed)

    def open_person_page(actor, person_uuid, categories, *, details=None):
        from django.shortcuts import get_object_or_404

        return get_object_or_404(Person, uuid=person_uuid), allowed, dict.fromkeys(categories, allowed)

    return {
        policy.decide: decide,
        policy.decide_many: decide_many,
        policy.bases_for: bases_for,
        policy.consented_categories: consented_categories,
        policy.bases_for_many: bases_for_many,
        policy.visible_persons: visible_persons,
        journal.record: record,
        journal.record_many: record_many,
        api.read_person_categories: read_person_categories,
        api.open_person_page: open_person_page,
    }


def load_application_modules() -> None:
    """Import every module of the application (the URLconf's views first), so that all the places a
    function was imported into exist before they are patched."""
    get_resolver().url_patterns  # noqa: B018 - imports the views
    packages = [importlib.import_module("parcours")]
    while packages:
        package = packages.pop()
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            last = info.name.rsplit(".", 1)[1]
            if last in SKIPPED or last.startswith("test"):
                continue
            module = importlib.import_module(info.name)
            if info.ispkg:
                packages.append(module)


def replace(replacements: dict) -> list[Patch]:
    """Replace each function (key) by its replacement (value) wherever a loaded module of the
    application refers to it; the patches made. Raises when a function was found nowhere."""
    load_application_modules()
    by_id = {id(original): original for original in replacements}
    patches = []
    for module_name, module in sorted(sys.modules.items()):
        if not (module_name == "parcours" or module_name.startswith("parcours.")) or module is None:
            continue
        for name, value in list(vars(module).items()):
            if id(value) in by_id and value is by_id[id(value)]:
                setattr(module, name, replacements[value])
                patches.append(Patch(module_name, name, value, replacements[value]))
    missing = [f.__qualname__ for f in replacements if not any(p.original is f for p in patches)]
    if missing:
        raise RuntimeError(f"not found in the application: {missing}")
    return patches


def install() -> list[Patch]:
    """Replace the decisions and the log writes everywhere they are referenced; the patches made."""
    return replace(_stand_ins())


def reinstall(patches: list[Patch]) -> None:
    for patch in patches:
        setattr(sys.modules[patch.module], patch.name, patch.stand_in)


def uninstall(patches: list[Patch]) -> None:
    for patch in patches:
        setattr(sys.modules[patch.module], patch.name, patch.original)
