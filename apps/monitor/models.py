"""Files the monitor builds (exports), kept in Django's storage under the fingerprint of their data.

Like pretix's CachedFile: a row says what the file is (kind, edition year, variant, language), for
which state of the data (`fingerprint`, see `apps.monitor.cache`), which Celery task builds it,
when it was built, how large it is and when it may be deleted. While it is being built the row has
no file; the task's own state (a result backend) tells the progress. A beat job deletes expired
rows with their files.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


def cached_file_path(instance: CachedFile, filename: str) -> str:
    return f"monitor/{instance.kind}/{instance.year}/{instance.fingerprint[:16]}/{filename}"


class CachedFile(models.Model):
    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")

    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices, default=Kind.EXPORT)
    year = models.PositiveSmallIntegerField(_("editie"))
    # One of services.EXPORT_VARIANTS (not choices: a new variant needs no migration).
    variant = models.CharField(_("variant"), max_length=20)
    language = models.CharField(_("taal"), max_length=10)
    fingerprint = models.CharField(_("vingerafdruk van de gegevens"), max_length=64)
    task_id = models.CharField(_("taak"), max_length=255, blank=True)
    error = models.CharField(_("fout"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("aangevraagd op"), auto_now_add=True)
    queued_at = models.DateTimeField(_("in de wachtrij gezet op"), null=True, blank=True)
    built_at = models.DateTimeField(_("gemaakt op"), null=True, blank=True)
    expires_at = models.DateTimeField(_("verloopt op"), db_index=True)
    filename = models.CharField(_("bestandsnaam"), max_length=200)
    content_type = models.CharField(_("inhoudstype"), max_length=100)
    size = models.PositiveBigIntegerField(_("grootte"), default=0)
    file = models.FileField(_("bestand"), upload_to=cached_file_path, max_length=300, blank=True)

    class Meta:
        verbose_name = _("gemaakt bestand")
        verbose_name_plural = _("gemaakte bestanden")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "variant", "language", "fingerprint"], name="monitor_cachedfile_unique_data"
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.fingerprint[:8]})"

    @property
    def ready(self) -> bool:
        return bool(self.file)
