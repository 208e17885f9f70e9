"""Document storage encrypted at rest: files are written encrypted and read back decrypted.

A stored file is the binary Fernet token of the uploaded bytes (parcours.core.crypto), so what lies
on the disk, and in the backups, is unreadable without the key file. Documents are small (10 MB at
most), so a file is encrypted and decrypted in memory, in one piece.
"""

import os
import tempfile
from pathlib import Path

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.db import models

from parcours.core.crypto import decrypt_bytes, encrypt_bytes


class EncryptedFileSystemStorage(FileSystemStorage):
    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("Un document chiffré s'ouvre en lecture seule.")
        return ContentFile(decrypt_bytes(self.read_raw(name)), name=name)

    def _save(self, name, content):
        content.seek(0)
        return super()._save(name, ContentFile(encrypt_bytes(content.read())))

    def read_raw(self, name: str) -> bytes:
        """The stored (encrypted) bytes, as they lie on the disk."""
        return Path(self.path(name)).read_bytes()

    def replace_raw(self, name: str, data: bytes) -> None:
        """Replace a stored file at once (re-encryption): a reader sees the old file or the new one."""
        path = Path(self.path(name))
        descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=".chiffrement-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            mode = self.file_permissions_mode
            os.chmod(partial, mode if mode is not None else path.stat().st_mode & 0o777)
            os.replace(partial, path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise


def document_storage() -> EncryptedFileSystemStorage:
    """The storage of the records' documents (STORAGES["documents"])."""
    return storages["documents"]


def encrypted_file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every file field of the project whose files are stored encrypted."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField) and isinstance(field.storage, EncryptedFileSystemStorage)
    ]
