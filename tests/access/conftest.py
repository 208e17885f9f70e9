import pytest

from tests.core.pages import checked_pages  # noqa: F401
from tests.people.scenario import world  # noqa: F401


@pytest.fixture(autouse=True)
def _every_page_is_checked(checked_pages):  # noqa: F811
    """Every HTML page rendered by these tests is checked for undefined variables and inline code."""


@pytest.fixture
def dpo(db):
    """A data protection officer: a login in the "DPO" group (created by a migration; recreated here
    when a transactional test's flush removed it), with no staff membership."""
    from django.contrib.auth.models import Group, Permission

    from tests.factories import UserFactory

    group, _ = Group.objects.get_or_create(name="DPO")
    group.permissions.add(Permission.objects.get(content_type__app_label="access", codename="view_audit"))
    user = UserFactory(first_name="Dominique", last_name="Protection")
    user.groups.add(group)
    return user
