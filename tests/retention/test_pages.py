"""The DPO's pages (rules, dry runs, "Appliquer") and the registre des traitements."""

import pytest
from django.urls import reverse

from parcours.access.enums import Category
from parcours.records.models import Note
from parcours.retention.enums import FinalAction, RetentionCategory, RunStatus
from parcours.retention.models import RetentionRule, RetentionRuleChange, RetentionRun
from tests.conftest import assert_page_ok
from tests.retention.conftest import configure, person_with_record, years_ago

pytestmark = pytest.mark.django_db

DPO_PAGES = [
    reverse("retention:runs"),
    reverse("retention:rules"),
    reverse("retention:rule_edit", args=[RetentionCategory.NOTES]),
]


@pytest.mark.parametrize("url", DPO_PAGES)
def test_dpo_pages_answer_404_to_everyone_else(world, login, url):
    for professional in (world.pro_a, world.director_a, world.gdir):
        assert login(professional.user).get(url).status_code == 404


def test_rules_page_says_what_is_to_configure(dpo, login):
    content = assert_page_ok(login(dpo).get(reverse("retention:rules")))
    assert content.count("durée à configurer par le DPO") >= len(Category.values)
    assert "12 mois" in content  # the access log's sourced default


def test_dpo_edits_a_rule_and_history_is_kept(dpo, login):
    client = login(dpo)
    url = reverse("retention:rule_edit", args=[RetentionCategory.NOTES])
    assert_page_ok(client.get(url))
    response = client.post(
        url,
        {
            "active_months": "24",
            "archive_months": "36",
            "final_action": FinalAction.ERASURE,
            "justification": "Délibération du conseil d'administration du 3 mars.",
        },
    )
    assert response.status_code == 302
    rule = RetentionRule.objects.get(category=RetentionCategory.NOTES)
    assert (rule.active_months, rule.archive_months, rule.final_action) == (24, 36, FinalAction.ERASURE)
    assert rule.changed_by == dpo
    client.post(
        url, {"active_months": "12", "archive_months": "0", "final_action": "erasure", "justification": "x"}
    )
    assert list(
        RetentionRuleChange.objects.filter(category=RetentionCategory.NOTES).values_list(
            "active_months", flat=True
        )
    ) == [12, 24]
    assert "Délibération du conseil" in assert_page_ok(client.get(reverse("retention:rules")))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"active_months": "24", "archive_months": "12", "final_action": "", "justification": "x"},
            "sort final",
        ),
        ({"active_months": "24", "archive_months": "", "final_action": "", "justification": ""}, "Justifiez"),
        (
            {"active_months": "", "archive_months": "12", "final_action": "erasure", "justification": "x"},
            "base active",
        ),
        (
            {"active_months": "0", "archive_months": "", "final_action": "", "justification": "x"},
            "supérieure ou égale",
        ),
    ],
)
def test_bad_rule_changes_nothing(dpo, login, data, message):
    response = login(dpo).post(reverse("retention:rule_edit", args=[RetentionCategory.NOTES]), data)
    assert message in assert_page_ok(response)
    assert not RetentionRule.objects.exists()
    assert not RetentionRuleChange.objects.exists()


def test_identity_cannot_be_erased(dpo, login):
    response = login(dpo).post(
        reverse("retention:rule_edit", args=[RetentionCategory.IDENTITY]),
        {"active_months": "12", "archive_months": "12", "final_action": "erasure", "justification": "x"},
    )
    assert_page_ok(response)
    assert not RetentionRule.objects.exists()


def test_dry_run_button_then_apply_with_confirmation(world, dpo, dpo_actor, login):
    old = person_with_record(world, ended_on=years_ago(10), name="Ancien")
    configure(dpo_actor, RetentionCategory.NOTES, 12, 0, FinalAction.ERASURE)
    client = login(dpo)

    response = client.post(reverse("retention:start"))
    run = RetentionRun.objects.get()
    assert response.url == reverse("retention:run", args=[run.uuid])
    assert run.status == RunStatus.PLANNED and run.requested_by == dpo
    content = assert_page_ok(client.get(response.url))
    assert "1 personne supprimée (Transmissions)" in content
    assert 'data-parcours-confirm="Appliquer ce rapport : 1 personne supprimée' in content
    assert "durée à configurer par le DPO" in content
    assert "Ancien" not in content
    assert Note.objects.filter(person=old).exists()
    assert_page_ok(client.get(reverse("retention:run_status", args=[run.uuid])))

    client.post(reverse("retention:apply", args=[run.uuid]))
    run.refresh_from_db()
    assert run.status == RunStatus.APPLIED and run.approved_by == dpo
    assert not Note.objects.filter(person=old).exists()
    response = client.post(reverse("retention:apply", args=[run.uuid]), follow=True)
    assert "déjà été appliqué" in assert_page_ok(response)


def test_runs_page_lists_the_latest_reports(dpo, dpo_actor, login):
    configure(dpo_actor, RetentionCategory.NOTES, 12, 0, FinalAction.ERASURE)
    client = login(dpo)
    client.post(reverse("retention:start"))
    content = assert_page_ok(client.get(reverse("retention:runs")))
    assert "Simulation prête, à examiner" in content
    assert "Lancer une simulation" in content


def test_registre_shows_configured_durations_and_what_is_to_configure(world, dpo, dpo_actor, login, settings):
    settings.PARCOURS_DPO_EMAIL = "dpo@association.example"
    configure(dpo_actor, RetentionCategory.NOTES, 24, 36, FinalAction.ERASURE)
    for user in (dpo, world.director_a.user, world.gdir.user):
        content = assert_page_ok(login(user).get(reverse("retention:registre")))
        assert "24 mois" in content and "36 mois" in content
        assert "durée à configurer par le DPO" in content
        assert world.g.name in content and world.h.name in content
        assert "dpo@association.example" in content
        assert "Second facteur" in content
        assert "hors de l'Union européenne" in content
        assert "à compléter" in content


def test_registre_is_hidden_from_teams(world, login):
    assert login(world.pro_a.user).get(reverse("retention:registre")).status_code == 404


def test_the_default_source_goes_when_the_dpo_changes_the_duration(dpo, dpo_actor):
    rule = configure(dpo_actor, RetentionCategory.ACCESS_LOG, 12, 0, FinalAction.ERASURE)
    assert "CNIL" in rule.source
    rule = configure(dpo_actor, RetentionCategory.ACCESS_LOG, 36, 0, FinalAction.ERASURE)
    assert rule.source == ""
