"""Bad input: random payloads on every form and random query parameters on every page never make a
server error, and a form that refuses its input writes nothing.

The forms are the POST rows of the authorisation matrix (a new form is fuzzed as soon as it has its
row), posted by a user the matrix allows to write there. Each payload starts from the row's valid
data, drops some fields, and replaces others with hostile values (control characters, very long
text, huge and negative numbers, impossible dates, wrong UUIDs, lists), over the field names of the
row and of the rendered form. The test client raises server exceptions, and every answer must be
below 500. Django's admin is left out: its forms are Django's own, for superusers only.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.matrix import COLUMNS, ROWS, Column
from tests.security.test_authorization_matrix import fingerprint
from tests.security.test_portal_columns import URL_POWER as PORTAL_SPACE
from tests.security.world import SCENARIOS

# Who fuzzes a form: the first of these the matrix allows to write there (in the first column of
# that role, and its scenario).
FUZZERS = ("pro_a", "dir_a", "pro_b", "dpo", "anonymous")
PORTAL_FUZZER = Column("p_self", "none")
# Written on purpose by a refused attempt: a failed login counts against the account.
WRITTEN_ON_REFUSAL = {"accounts.LoginThrottle"}
FUZZ_SETTINGS = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
FIELD_NAME = re.compile(r'\bname="([^"]+)"')
IGNORED_NAMES = {"csrfmiddlewaretoken"}

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(
        ["\x00", "\x00abc", "\r\n\t", "\u202e", "😀" * 3, "' OR 1=1 --", "<script>", "../../etc/passwd"]
    ),
    st.integers(min_value=1, max_value=20).map(lambda n: "é" * (n * 1000)),
)
hostile_number = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(["-1", "0", "1e308", "NaN", "inf", "9" * 40, "0x10", "1.5"]),
).map(str)
hostile_date = st.sampled_from(
    ["2024-02-30", "31/13/2020", "0000-00-00", "9999-12-31", "0001-01-01", "1900-02-29", "demain", "2024-1-1"]
)
hostile_uuid = st.one_of(
    st.uuids().map(str), st.sampled_from(["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
)
hostile_value = st.one_of(hostile_text, hostile_number, hostile_date, hostile_uuid, st.just(""))
field_value = st.one_of(hostile_value, st.lists(hostile_value, max_size=3))
# What happens to each field: kept valid, dropped, or replaced by a hostile value.
field_fate = st.one_of(st.just("keep"), st.just("drop"), field_value)


def fuzz_column(row):
    for role in FUZZERS:
        column = next(c for c in COLUMNS if c.role == role)
        if row.expected(column).allowed:
            return column
    if row.name in PORTAL_SPACE:
        # A form of P's space: P herself holds every power there (tests/security/test_portal_columns.py).
        return PORTAL_FUZZER
    raise AssertionError(f"{row.id}: personne ne peut écrire ici selon la matrice")


def form_field_names(world, column, url: str, valid: dict) -> list[str]:
    names = set(valid)
    response = world.client(column.role).get(url)
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        names |= set(FIELD_NAME.findall(response.content.decode()))
    return sorted(names - IGNORED_NAMES)


def build_payload(valid: dict, fates: dict, blob: bytes) -> dict:
    data = {}
    for name, fate in fates.items():
        value = valid.get(name, "")
        if fate == "drop":
            continue
        if fate == "keep":
            data[name] = value
        elif hasattr(value, "read"):
            data[name] = SimpleUploadedFile(str(fate)[:100] or "fichier", blob)
        else:
            data[name] = fate
    return data


def watched(state: dict) -> dict:
    return {label: rows for label, rows in state.items() if label not in WRITTEN_ON_REFUSAL}


POST_ROWS = [row for row in ROWS if row.method == "POST" and not row.name.startswith("admin:")]


@pytest.mark.parametrize("row", POST_ROWS, ids=lambda row: row.id)
def test_forms_survive_random_input(world, row):
    column = fuzz_column(row)
    SCENARIOS[column.scenario](world)
    if row.setup:
        row.setup(world)
    url = reverse(row.name, kwargs=row.kwargs(world))
    names = form_field_names(world, column, url, row.data(world))

    @FUZZ_SETTINGS
    @given(fates=st.fixed_dictionaries({name: field_fate for name in names}), blob=st.binary(max_size=2000))
    def post(fates, blob):
        with transaction.atomic():
            before = watched(fingerprint())
            response = world.client(column.role).post(url, build_payload(row.data(world), fates, blob))
            assert response.status_code < 500
            refused = response.status_code in (400, 403, 404) or (
                response.status_code == 200 and row.success is not None
            )
            if refused:
                assert watched(fingerprint()) == before, f"{response.status_code}: une saisie refusée a écrit"
            transaction.set_rollback(True)

    post()


GET_ROWS = [
    row
    for row in ROWS
    if row.method == "GET"
    and not row.name.startswith("admin:")
    and (row.expected(COLUMNS[1]).status == 200 or row.name in PORTAL_SPACE)
]
QUERY_NAMES = ("q", "page", "start", "end", "kind", "establishment", "next")


@pytest.mark.parametrize("row", GET_ROWS, ids=lambda row: row.id)
def test_pages_survive_random_query_parameters(world, row):
    if row.setup:
        row.setup(world)
    url = reverse(row.name, kwargs=row.kwargs(world))
    names = sorted(set(QUERY_NAMES) | set(row.query))

    @settings(FUZZ_SETTINGS, max_examples=4)
    @given(query=st.dictionaries(st.sampled_from(names), field_value, max_size=4))
    def get(query):
        with transaction.atomic():
            reader = PORTAL_FUZZER.role if row.name in PORTAL_SPACE else "pro_a"
            response = world.client(reader).get(url, query, headers=row.headers)
            assert response.status_code < 500
            transaction.set_rollback(True)

    get()
