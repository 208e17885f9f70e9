import pytest
from django.db import transaction

from tests.security.world import World, build_world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """One world per test module, inside a transaction rolled back at the end of the module; each
    test runs in a savepoint of it (pytest-django's `db`), so what a cell writes is undone before
    the next cell."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        world = None
        try:
            world = build_world()
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            if world is not None:
                for stored in (world.document.file, world.export.file):
                    stored.storage.delete(stored.name)


@pytest.fixture
def world(shared_world, db) -> World:
    return shared_world
