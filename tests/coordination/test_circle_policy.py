"""The circle's access rules (parcours.access.circle): members only, the family in conversations open
to it, leaving takes effect at the next request."""

from django.utils import timezone

from parcours.access.circle import circles_of, decide_circle, forget_memberships
from parcours.access.enums import Basis
from parcours.coordination.enums import CircleRole
from parcours.coordination.models import CircleMember
from tests.factories import UserFactory


def member(d, user=None, relative=None, role=CircleRole.PROFESSIONAL):
    return CircleMember.objects.create(
        person=d.tom, user=user, relative=relative, role=role, added_by=d.ime_director.user
    )


def test_members_only_not_the_whole_team(department):
    member(department, department.esat_pro.user)
    assert decide_circle(department.esat_pro.user, department.tom).basis == Basis.CIRCLE
    # In the team that supports Tom, but not in his circle.
    assert not decide_circle(department.ime_pro.user, department.tom)
    assert list(circles_of(department.esat_pro.user)) == [department.tom]


def test_a_family_carer_reads_the_conversations_open_to_the_family_only(department):
    login = UserFactory()
    member(department, login, relative=department.mother, role=CircleRole.CARER)
    assert not decide_circle(login, department.tom)
    assert decide_circle(login, department.tom, with_family=True)


def test_leaving_the_circle_closes_it(department):
    membership = member(department, department.esat_pro.user)
    user = department.esat_pro.user
    assert decide_circle(user, department.tom)
    membership.left_at = timezone.now()
    membership.save()
    forget_memberships(user)
    assert not decide_circle(user, department.tom)


def test_an_establishment_that_accepted_the_person_may_admit_them_and_nothing_more(department):
    from parcours.access import policy
    from parcours.access.enums import Action, Category
    from parcours.coordination.enums import RequestStatus
    from parcours.coordination.models import AdmissionRequest

    esat_user = department.esat_director.user
    assert not policy.decide(esat_user, department.tom, Category.PARCOURS, Action.CREATE)
    AdmissionRequest.objects.create(
        person=department.tom, establishment=department.esat, mode="externat",
        status=RequestStatus.ADMISSIBLE,
        status_date=timezone.localdate(), sent_on=timezone.localdate(), sent_by=department.ime_pro.user,
    )  # fmt: skip
    esat_user.__dict__.pop("_parcours_scope", None)
    decision = policy.decide(esat_user, department.tom, Category.PARCOURS, Action.CREATE)
    assert decision.allowed and decision.basis == Basis.ARRIVAL
    assert not policy.decide(esat_user, department.tom, Category.NOTES, Action.CREATE)
    assert not policy.decide(department.foyer_director.user, department.tom, Category.PARCOURS, Action.CREATE)
