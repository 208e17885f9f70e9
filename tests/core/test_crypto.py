"""The data keys file and the encryption functions (parcours.core.crypto)."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from parcours.core import crypto


@pytest.fixture
def keys_file(settings, tmp_path):
    settings.PARCOURS_DATA_KEYS_FILE = tmp_path / "cles" / "data_keys"
    return settings.PARCOURS_DATA_KEYS_FILE


def test_text_and_bytes_come_back_and_the_token_hides_them(keys_file):
    token = crypto.encrypt_text("Mme Lefèvre a mal dormi, inquiète pour sa fille.")
    assert "Lef" not in token and "dormi" not in token
    assert crypto.decrypt_text(token) == "Mme Lefèvre a mal dormi, inquiète pour sa fille."
    assert crypto.encrypt_text("même texte") != crypto.encrypt_text("même texte")  # random IV

    data = b"%PDF-1.4 compte rendu " * 100
    stored = crypto.encrypt_bytes(data)
    assert b"compte rendu" not in stored
    assert crypto.decrypt_bytes(stored) == data


def test_the_key_file_is_created_on_first_use_readable_by_its_owner_only(keys_file):
    assert not keys_file.exists()
    crypto.encrypt_text("x")
    assert oct(keys_file.stat().st_mode & 0o777) == "0o600"
    assert len(crypto.load_keys()) == 1
    Fernet(keys_file.read_text().strip())  # a valid key


def test_production_does_not_create_a_key_file(keys_file, settings):
    settings.PARCOURS_DATA_KEYS_CREATE = False
    with pytest.raises(ImproperlyConfigured, match="introuvable ou illisible"):
        crypto.encrypt_text("x")
    assert not keys_file.exists()
    errors = crypto.check_data_keys()
    assert [e.id for e in errors] == ["parcours.core.E001"]
    assert "rotate-data-key" in errors[0].msg


def test_a_damaged_key_file_is_refused_without_showing_its_content(keys_file):
    good = Fernet.generate_key().decode()
    crypto.write_key_file(keys_file, [good.encode()])
    keys_file.write_text(f"# clés de Parcours\n{good}\npas-une-clé\n")
    with pytest.raises(ImproperlyConfigured, match="ligne 3") as refused:
        crypto.encrypt_text("x")
    assert good not in str(refused.value)
    assert [e.id for e in crypto.check_data_keys()] == ["parcours.core.E001"]


def test_the_checks_want_the_file_private_and_away_from_the_documents(keys_file, settings, tmp_path):
    crypto.encrypt_text("x")
    assert crypto.check_data_keys() == []
    keys_file.chmod(0o644)
    assert [e.id for e in crypto.check_data_keys()] == ["parcours.core.W001"]
    keys_file.chmod(0o600)
    settings.MEDIA_ROOT = keys_file.parent
    assert [e.id for e in crypto.check_data_keys()] == ["parcours.core.E002"]


def test_a_new_first_key_is_used_at_once_and_the_old_one_still_decrypts(keys_file):
    old_token = crypto.encrypt_text("avant")
    old_key = crypto.load_keys()[0]
    new_key = Fernet.generate_key()
    crypto.write_key_file(keys_file, [new_key, old_key])  # what a rotation does, from another process

    assert crypto.load_keys() == [new_key, old_key]
    assert crypto.decrypt_text(old_token) == "avant"
    assert crypto.text_needs_new_key(old_token)
    new_token = crypto.encrypt_text("après")
    assert Fernet(new_key).decrypt(new_token.encode()) == "après".encode()
    assert not crypto.text_needs_new_key(new_token)
    assert not crypto.text_needs_new_key(crypto.reencrypt_text(old_token))


def test_a_value_of_another_key_file_is_an_error_not_garbage(keys_file):
    foreign = Fernet(Fernet.generate_key()).encrypt(b"ailleurs").decode()
    with pytest.raises(crypto.DecryptionError, match="aucune clé"):
        crypto.decrypt_text(foreign)
    with pytest.raises(crypto.DecryptionError, match="aucune clé"):
        crypto.decrypt_bytes(b"\x80" + b"0" * 80)
    assert not crypto.is_encrypted_text("texte en clair")
