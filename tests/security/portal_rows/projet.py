"""Matrix rows of the person's space: projet. The world's projet of P (w.projet) names the projet in
the addresses; each row first has A's professional propose it to P (version 1), so that its pages
exist for those who follow P's space. Nobody of the team holds a link to P's space: every answer to
them is a 404, and nothing is written."""

from django.urls import reverse

from parcours.records import services
from parcours.records.enums import ProjetStatus
from parcours.records.models import ProjetResponse
from tests.security.matrix import NO_LINK, Row


def propose(w) -> None:
    if not w.projet.versions.exists():
        services.change_projet_status(w.projet, status=ProjetStatus.PROPOSED, actor=w.actor("pro_a"))


def on_projet(w, **more) -> dict:
    return {"person_uuid": w.person.uuid, "projet_uuid": w.projet.uuid, **more}


def projet_page(w) -> str:
    return reverse("portal:projet", args=[w.person.uuid])


def answers(w) -> list:
    return sorted(ProjetResponse.objects.filter(version__projet=w.projet).values_list("kind", "capacity"))


def answer_row(name: str, data) -> Row:
    return Row(name, "POST", NO_LINK, on_projet, data=data, success=projet_page, probe=answers, setup=propose)


ROWS = [
    Row("portal:projet", "GET", NO_LINK, lambda w: {"person_uuid": w.person.uuid}, setup=propose),
    answer_row("portal:projet_agree", lambda w: {"version": "1", "confirm": "on"}),
    answer_row("portal:projet_changes", lambda w: {"version": "1", "text": "Je voudrais plus de sorties."}),
    answer_row("portal:projet_comment", lambda w: {"version": "1", "text": "Merci à l'équipe."}),
    Row("portal:projet_history", "GET", NO_LINK, on_projet, setup=propose),
    Row("portal:projet_version", "GET", NO_LINK, lambda w: on_projet(w, number=1), setup=propose),
]
