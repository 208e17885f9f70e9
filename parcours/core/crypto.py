"""Encryption at rest of free text and documents (docs/security.md, "Encryption at rest").

The data keys live in a file outside the database and outside the backups,
`PARCOURS_DATA_KEYS_FILE` (mode 600): one Fernet key per line (AES-128-CBC with HMAC-SHA256). The
first key encrypts; every key of the file decrypts, so that `parcours rotate-data-key` can put a new
key first while the values encrypted with the previous one are re-encrypted.

The file is read once and read again whenever it changes (another process rotated the keys), checked
by one `stat` per use. In development and in the tests it is created on first use; in production
its absence stops the application (the system check below, and ImproperlyConfigured on first use).
"""

import base64
import binascii
import hashlib
import os
import threading
from pathlib import Path
from typing import NamedTuple

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored value that none of the keys of the key file decrypts (wrong key file, damaged data)."""


TEXT_UNREADABLE = "Une donnée chiffrée ne se déchiffre avec aucune clé du fichier de clés."
DOCUMENT_UNREADABLE = "Un document chiffré ne se déchiffre avec aucune clé du fichier de clés."

_lock = threading.Lock()
_cache: dict = {}


def key_file() -> Path:
    return Path(settings.PARCOURS_DATA_KEYS_FILE)


def new_key() -> bytes:
    return Fernet.generate_key()


def fingerprint(key: bytes) -> str:
    """A short name for a key, safe to print and to store in a backup manifest."""
    return hashlib.sha256(key).hexdigest()[:16]


def parse_keys(text: str, path: Path) -> list[bytes]:
    keys = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            Fernet(line.encode("ascii"))
        except (ValueError, UnicodeEncodeError, binascii.Error) as exc:
            raise ImproperlyConfigured(
                f"Le fichier des clés de chiffrement {path} contient une ligne invalide (ligne {number})."
            ) from exc
        keys.append(line.encode("ascii"))
    if not keys:
        raise ImproperlyConfigured(f"Le fichier des clés de chiffrement {path} ne contient aucune clé.")
    return keys


def write_key_file(path: Path, keys: list[bytes]) -> None:
    """Write the key file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partiel")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write("".join(key.decode("ascii") + "\n" for key in keys))
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(partial, 0o600)
    os.replace(partial, path)


def _create_if_allowed(path: Path) -> None:
    if not settings.PARCOURS_DATA_KEYS_CREATE:
        raise ImproperlyConfigured(missing_message(path))
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it meanwhile
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(new_key().decode("ascii") + "\n")


def missing_message(path: Path) -> str:
    return (
        f"Le fichier des clés de chiffrement des données est introuvable ou illisible : {path}. "
        "Restaurez-le depuis sa copie de sécurité, ou, pour une nouvelle instance, créez-le avec "
        "« parcours rotate-data-key » (voir docs/security.md)."
    )


def load_keys() -> list[bytes]:
    """The keys of the key file, the encrypting one first."""
    return list(_current().keys)


def fernet() -> MultiFernet:
    return _current().multi


class _Keys(NamedTuple):
    signature: tuple
    keys: tuple[bytes, ...]
    multi: MultiFernet
    first: Fernet


def _current() -> _Keys:
    path = key_file()
    try:
        stat = path.stat()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_if_allowed(path)
        stat = path.stat()
    # A rotation replaces the file (new inode): every process notices it at its next use.
    signature = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    cached = _cache.get("keys")
    if cached is not None and cached.signature == signature:
        return cached
    with _lock:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImproperlyConfigured(missing_message(path)) from exc
        keys = tuple(parse_keys(text, path))
        fernets = [Fernet(key) for key in keys]
        current = _cache["keys"] = _Keys(signature, keys, MultiFernet(fernets), fernets[0])
    return current


def _ascii(token: str) -> bytes:
    # A text that is not ASCII is no token: "?" makes it fail the check like any damaged token.
    return token.encode("ascii", errors="replace")


def _unwrap(operation, token: bytes, message: str) -> bytes:
    try:
        return operation(token)
    except InvalidToken as exc:
        raise DecryptionError(message) from exc


def encrypt_text(value: str) -> str:
    """A Fernet token (URL-safe base64 text) for `value`."""
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    return _unwrap(fernet().decrypt, _ascii(token), TEXT_UNREADABLE).decode("utf-8")


def encrypt_bytes(data: bytes) -> bytes:
    """The Fernet token of `data` in binary form (its base64 decoded: a third smaller on disk)."""
    return base64.urlsafe_b64decode(fernet().encrypt(data))


def decrypt_bytes(data: bytes) -> bytes:
    return _unwrap(fernet().decrypt, base64.urlsafe_b64encode(data), DOCUMENT_UNREADABLE)


def reencrypt_text(token: str) -> str:
    """The same value encrypted with the first key (its original timestamp kept)."""
    return _unwrap(fernet().rotate, _ascii(token), TEXT_UNREADABLE).decode("ascii")


def reencrypt_bytes(data: bytes) -> bytes:
    token = _unwrap(fernet().rotate, base64.urlsafe_b64encode(data), DOCUMENT_UNREADABLE)
    return base64.urlsafe_b64decode(token)


def _decrypts(fernet_: Fernet | MultiFernet, token: bytes) -> bool:
    try:
        fernet_.decrypt(token)
    except InvalidToken:
        return False
    return True


def text_needs_new_key(token: str) -> bool:
    """True when the encrypting (first) key cannot decrypt this token: it was encrypted with an older
    key (or with none of the file's keys)."""
    return not _decrypts(_current().first, _ascii(token))


def bytes_need_new_key(data: bytes) -> bool:
    return not _decrypts(_current().first, base64.urlsafe_b64encode(data))


def is_encrypted_text(value: str) -> bool:
    """Whether a stored text is a token of one of the keys (restore checks)."""
    return _decrypts(fernet(), _ascii(value))


def is_encrypted_bytes(data: bytes) -> bool:
    """Whether a stored file is a token of one of the keys (the data migration, restore checks)."""
    return _decrypts(fernet(), base64.urlsafe_b64encode(data))


@checks.register(checks.Tags.security)
def check_data_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Production does not start without a readable, valid key file kept apart from the documents."""
    path = key_file()
    if not path.exists() and settings.PARCOURS_DATA_KEYS_CREATE:
        return []
    try:
        parse_keys(path.read_text(encoding="utf-8"), path)
    except (OSError, UnicodeDecodeError):
        return [checks.Error(missing_message(path), id="parcours.core.E001")]
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="parcours.core.E001")]
    problems = []
    if path.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve()):
        problems.append(
            checks.Error(
                f"Le fichier des clés {path} est dans le dossier des documents : il finirait dans les "
                "sauvegardes, à côté des données qu'il protège. Placez-le ailleurs.",
                id="parcours.core.E002",
            )
        )
    if path.stat().st_mode & 0o077:
        problems.append(
            checks.Warning(
                f"Le fichier des clés {path} est lisible par d'autres que son propriétaire : chmod 600.",
                id="parcours.core.W001",
            )
        )
    return problems
