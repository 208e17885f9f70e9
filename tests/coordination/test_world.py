from parcours.access import policy


def test_the_ime_team_sees_tom_and_the_esat_does_not_yet(department):
    assert policy.visible_persons(department.ime_pro.user).filter(pk=department.tom.pk).exists()
    assert not policy.visible_persons(department.esat_pro.user).filter(pk=department.tom.pk).exists()
