"""The monitor's own data: the files it builds and the report's editorial texts.

`CachedFile`: files the monitor builds (exports), kept in Django's storage under the fingerprint of
their data. Like pretix's CachedFile: a row says what the file is (kind, edition year, variant,
language), for which state of the data (`fingerprint`, see `apps.monitor.cache`), which Celery task
builds it, when it was built, how large it is and when it may be deleted. While it is being built the
row has no file; the task's own state (a result backend) tells the progress. A beat job deletes
expired rows with their files.

`EditorialChapter`: the report as a document, the texts VAR staff write around the figures
(Aanleiding, Geschatte omvang, Conclusie, the interview...), in Markdown, per edition, with their
history (django-simple-history). Writes go through `services_report`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.submissions.models import Edition


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


class EditorialChapter(models.Model):
    """One text of the report, placed before or after a data chapter (or at the start or end)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="editorial_chapters")
    slug = models.SlugField(_("code"), max_length=60)
    title = models.CharField(_("titel"), max_length=200)
    body = models.TextField(_("tekst (Markdown)"), blank=True)
    # "start", "before:<data chapter>", "after:<data chapter>" or "end"; see report.placements().
    placement = models.CharField(_("plaats in het rapport"), max_length=40, default="start")
    order = models.PositiveSmallIntegerField(_("volgorde binnen die plaats"), default=0)
    is_section = models.BooleanField(
        _("onderdeel van het vorige hoofdstuk"),
        default=False,
        help_text=_("Een paragraaf onder het vorige hoofdstuk, niet een eigen hoofdstuk in de inhoudsopgave."),
    )
    public = models.BooleanField(
        _("ook in de openbare versie"), default=True, help_text=_("Uit: alleen in de interne versie voor de VAR.")
    )
    updated_at = models.DateTimeField(_("laatst gewijzigd"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gewijzigd door"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("redactioneel hoofdstuk")
        verbose_name_plural = _("redactionele hoofdstukken")
        ordering = ["edition", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["edition", "slug"], name="unique_editorial_chapter_per_edition")]

    def __str__(self) -> str:
        return f"{self.title} ({self.edition})"
