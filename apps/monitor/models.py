"""The report as a document: the editorial chapters VAR staff write around the figures.

The figures come from the approved submissions (see `aggregation`); the texts around them
(Aanleiding, Geschatte omvang, Conclusie, the interview...) are written here, in Markdown, per
edition, with their history (django-simple-history). Writes go through `services_report`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.submissions.models import Edition


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
