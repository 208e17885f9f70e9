from django.db import models


class QuestionKind(models.TextChoices):
    """How a question of a satisfaction questionnaire is answered."""

    SCALE = "scale", "Échelle de satisfaction (4 niveaux)"
    YES_NO = "yes_no", "Oui ou non"
    TEXT = "text", "Réponse libre"


class Satisfaction(models.IntegerChoices):
    """The 4-level scale (no middle answer), with the words of the easy-read version."""

    NOT_AT_ALL = 1, "Pas du tout satisfait"
    RATHER_NOT = 2, "Plutôt pas satisfait"
    RATHER = 3, "Plutôt satisfait"
    VERY = 4, "Très satisfait"
