"""Parcours: the person-centred record of the social and medico-social sector."""
