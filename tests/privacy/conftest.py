import pytest

from tests.core.pages import checked_pages  # noqa: F401
from tests.people.scenario import world  # noqa: F401


@pytest.fixture(autouse=True)
def _every_page_is_checked(checked_pages):  # noqa: F811
    """Every HTML page rendered by these tests is checked for undefined variables and inline code."""
