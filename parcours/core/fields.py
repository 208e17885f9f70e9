"""Model fields whose values are encrypted at rest (parcours.core.crypto)."""

from django.apps import apps
from django.core import validators
from django.db import models
from django.db.models.lookups import Exact, IsNull

from parcours.core.crypto import decrypt_text, encrypt_text


class EncryptedTextField(models.TextField):
    """Free text stored as a Fernet token; read back as the original text.

    The database only sees the token, so the column can be neither searched nor sorted: the only
    lookups are `isnull` and the comparison with the empty string (an empty value is stored empty,
    unencrypted: whether a comment was left is not a secret). `max_length`, when given, is checked
    on the text, as a CharField would.
    """

    description = "Texte chiffré"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt_text(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if prepared or not value:
            return value
        return encrypt_text(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return EmptyExact
        return None

    def get_transform(self, lookup_name):
        return None


class EmptyExact(Exact):
    """`field=""`: whether the text is empty. Any other value cannot be compared with a token."""

    def get_prep_lookup(self):
        if self.rhs != "":
            raise ValueError("Un texte chiffré ne se compare qu'au texte vide.")
        return super().get_prep_lookup()


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every encrypted column of the project, model by model."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
