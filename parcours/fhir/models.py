"""What the FHIR API keeps of its own: its clients, the versions of the resources it wrote, and the
bulk export and import jobs. The record itself stays in the domain apps."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from parcours.core.fields import EncryptedTextField
from parcours.core.storage import document_storage


class ApiClient(models.Model):
    """A system allowed to call the API (OAuth2 client credentials). It acts with the rights of its
    `application.user` (the access rules of that login apply to every call) and only within its
    SMART scopes (system/Patient.read, system/*.write...)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="fhir_client"
    )
    name = models.CharField("nom du logiciel appelant", max_length=200)
    scopes = models.JSONField("autorisations (scopes SMART)", default=list)
    created_at = models.DateTimeField("enregistré le", default=timezone.now)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    class Meta:
        verbose_name = "client de l'API FHIR"
        verbose_name_plural = "clients de l'API FHIR"

    def __str__(self) -> str:
        return self.name


class ResourceVersion(models.Model):
    """One version of a resource written through the API (create, update, import): what
    `_history` answers. The content is encrypted; it belongs to the person's record and leaves with it
    (retention, right to erasure)."""

    resource_type = models.CharField(max_length=40)
    resource_id = models.UUIDField()
    version = models.PositiveIntegerField()
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=6)  # POST, PUT
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content = EncryptedTextField()

    class Meta:
        verbose_name = "version d'une ressource FHIR"
        constraints = [
            models.UniqueConstraint(
                fields=["resource_type", "resource_id", "version"], name="fhir_version_once"
            )
        ]
        indexes = [models.Index(fields=["resource_type", "resource_id"], name="fhir_version_resource")]

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.resource_id} v{self.version}"


class JobKind(models.TextChoices):
    EXPORT = "export", "Export en masse"
    IMPORT = "import", "Import en masse"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"
    FAILED = "failed", "Échec"
    CANCELLED = "cancelled", "Annulé"


class BulkJob(models.Model):
    """A bulk export ($export, FHIR Bulk Data Access) or an NDJSON import, run by the background tasks.
    The status URL and the files are reachable only by the client that asked."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=JobKind.choices)
    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="jobs")
    request_url = models.CharField(max_length=500)
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "travail FHIR en masse"
        ordering = ["-created_at"]
        permissions = [("import_records", "Importer des dossiers par l'API FHIR (restauration, migration)")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.uuid}"


class BulkFile(models.Model):
    """One NDJSON file of a bulk export (or of an import's report), encrypted at rest."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, default="output")  # output, error
    file = models.FileField(upload_to="fhir-bulk/", storage=document_storage)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.resource_type} ({self.count})"
