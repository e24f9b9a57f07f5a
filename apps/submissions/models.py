"""Editions, the versioned indicator catalogue, submissions and their values.

The catalogue (forms, sections, indicators, dimensions, categories, rules) is data: it is loaded
from `catalogue/catalogue.yaml` into a snapshot per edition, so a category can change between
years without touching earlier editions.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.partners.models import AppendOnlyModel, Organisation

TOTAL = "_total"  # the key of a total row or column; never a category code


class Edition(models.Model):
    """The monitor of one year."""

    class Status(models.TextChoices):
        PREPARATION = "preparation", _("In voorbereiding")
        OPEN = "open", _("Open voor aanlevering")
        CLOSED = "closed", _("Gesloten")
        PUBLISHED = "published", _("Gepubliceerd")

    year = models.PositiveSmallIntegerField(_("jaar"), unique=True)
    opens_on = models.DateField(_("opent op"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREPARATION)
    catalogue_version = models.CharField(_("catalogusversie"), max_length=40, blank=True)
    # Raised by every change to the edition's catalogue (also in the admin), so cached reports and
    # exports, keyed on it, never show an old label or rule.
    catalogue_revision = models.PositiveIntegerField(_("catalogusrevisie"), default=0, editable=False)
    published_at = models.DateTimeField(_("gepubliceerd op"), null=True, blank=True)
    # Publishing while submissions are still open needs a reason; the monitor shows it with the edition.
    publish_reason = models.TextField(_("reden van publiceren met open aanleveringen"), blank=True)
    # The number of the published revision (1 = first publication); 0 before publication.
    revision = models.PositiveSmallIntegerField(_("revisie"), default=0)
    # A correction of a published edition: while open, only the submissions it names may change
    # (Submission.under_correction); the monitor keeps showing the last published revision.
    correction_opened_at = models.DateTimeField(_("correctie geopend op"), null=True, blank=True)
    correction_reason = models.TextField(_("reden van de correctie"), blank=True)

    class InternalAudience(models.TextChoices):
        """Who sees the internal (unprotected) figures of the monitor; everyone else sees protected ones."""

        VAR_STAFF = "var_staff", _("Alleen VAR-medewerkers")
        PARTNERS = "partners", _("VAR-medewerkers en ingelogde partners")

    # The disclosure policy of the edition (see docs/monitor.md, "Disclosure control").
    disclosure_threshold = models.PositiveSmallIntegerField(
        _("drempel kleine aantallen"),
        null=True,
        blank=True,
        help_text=_("Aantallen personen van 1 tot deze drempel worden afgeschermd. Leeg: de standaard (5)."),
    )
    disclosure_small_symbol = models.CharField(
        _("teken klein aantal"), max_length=10, blank=True, help_text=_("Leeg: '<' en de drempel, bijvoorbeeld <5.")
    )
    disclosure_secondary_symbol = models.CharField(_("teken secundair afgeschermd"), max_length=10, default="x")
    internal_audience = models.CharField(
        _("wie ziet de interne cijfers"),
        max_length=20,
        choices=InternalAudience.choices,
        default=InternalAudience.VAR_STAFF,
    )

    class Meta:
        verbose_name = _("editie")
        verbose_name_plural = _("edities")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)

    @property
    def is_past_deadline(self) -> bool:
        return self.deadline is not None and timezone.localdate() > self.deadline

    @property
    def in_correction(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.correction_opened_at is not None

    @property
    def status_label(self) -> str:
        if self.in_correction:
            return str(_("Gepubliceerd – correctie loopt"))
        return self.get_status_display()


class Dimension(models.Model):
    """A way of splitting a count, such as form of exploitation or gender."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="dimensions", verbose_name=_("editie"))
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(_("label"), max_length=200)

    class Meta:
        verbose_name = _("uitsplitsing")
        verbose_name_plural = _("uitsplitsingen")
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="unique_dimension_per_edition")]

    def __str__(self) -> str:
        return f"{self.label} ({self.edition})"


class Category(models.Model):
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="categories", verbose_name=_("uitsplitsing"))
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=200)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    maps_to = models.SlugField(
        _("valt later onder"),
        max_length=40,
        blank=True,
        help_text=_("Code van de categorie waaronder deze in latere edities valt (voor vergelijkbaarheid)."),
    )
    footnote = models.CharField(_("voetnoot"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("categorie")
        verbose_name_plural = _("categorieën")
        ordering = ["dimension", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["dimension", "code"], name="unique_category_per_dimension")]

    def __str__(self) -> str:
        return self.label


class Form(models.Model):
    """One questionnaire of an edition, for one kind of partner."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="forms", verbose_name=_("editie"))
    code = models.SlugField(_("code"), max_length=40)
    title = models.CharField(_("titel"), max_length=200)
    description = models.TextField(_("toelichting"), blank=True)
    organisation_kinds = models.JSONField(_("voor soorten organisaties"), default=list, blank=True)
    organisation_slugs = models.JSONField(_("voor organisaties"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    class Meta:
        verbose_name = _("formulier")
        verbose_name_plural = _("formulieren")
        ordering = ["edition", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="unique_form_per_edition")]

    def __str__(self) -> str:
        return f"{self.title} ({self.edition})"

    def applies_to(self, organisation: Organisation) -> bool:
        if self.organisation_slugs:
            return organisation.slug in self.organisation_slugs
        return organisation.kind in self.organisation_kinds


class Section(models.Model):
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="sections", verbose_name=_("formulier"))
    code = models.SlugField(_("code"), max_length=60)
    title = models.CharField(_("titel"), max_length=200)
    description = models.TextField(_("toelichting"), blank=True)
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    class Meta:
        verbose_name = _("onderdeel")
        verbose_name_plural = _("onderdelen")
        ordering = ["form", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["form", "code"], name="unique_section_per_form")]

    def __str__(self) -> str:
        return self.title


class Indicator(models.Model):
    """A figure the monitor prints: a count (possibly split in a grid), a yes/no or a text."""

    class Kind(models.TextChoices):
        COUNT = "count", _("Aantal")
        BOOLEAN = "boolean", _("Ja/nee")
        TEXT = "text", _("Tekst")

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("onderdeel"))
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("editie"))
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(_("label"), max_length=300)
    help_text = models.TextField(_("uitleg"), blank=True)
    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices, default=Kind.COUNT)
    chapter = models.CharField(_("hoofdstuk"), max_length=40, blank=True)
    row_dimension = models.ForeignKey(
        Dimension, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("rijen")
    )
    col_dimension = models.ForeignKey(
        Dimension, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("kolommen")
    )
    total_row = models.BooleanField(_("totaalrij"), default=False)
    total_column = models.BooleanField(_("totaalkolom"), default=False)
    total_label = models.CharField(_("label totaal"), max_length=100, default="Totaal")
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    # Counts of persons (victims, clients, suspects) are protected in public figures; counts of
    # other things (cases, inspections, fines, trainings) are shown as they are.
    counts_persons = models.BooleanField(_("telt personen"), default=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicatoren")
        ordering = ["section__form__order", "section__order", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="unique_indicator_per_edition")]

    def __str__(self) -> str:
        return self.label


class Rule(models.Model):
    """A data-quality rule on an indicator; the kinds are generic, their use is data."""

    class Kind(models.TextChoices):
        SUM = "sum", _("Totaal = som van de delen")
        PART_LE_TOTAL = "part_le_total", _("Deel ≤ totaal")
        YEAR_OVER_YEAR = "yoy", _("Grote verandering t.o.v. vorig jaar")
        EQUAL_TOTAL = "equal_total", _("Zelfde totaal als andere indicator")

    class Severity(models.TextChoices):
        ERROR = "error", _("Fout")
        WARNING = "warning", _("Waarschuwing")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="rules", verbose_name=_("indicator"))
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    severity = models.CharField(_("ernst"), max_length=10, choices=Severity.choices, default=Severity.WARNING)
    params = models.JSONField(_("parameters"), default=dict, blank=True)

    class Meta:
        verbose_name = _("controleregel")
        verbose_name_plural = _("controleregels")
        ordering = ["indicator", "pk"]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.get_kind_display()}"


class Submission(models.Model):
    """The figures one organisation delivers on one form of one edition."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Concept")
        SUBMITTED = "submitted", _("Ingediend")
        RETURNED = "returned", _("Teruggestuurd")
        APPROVED = "approved", _("Goedgekeurd")
        # Complete without figures: the partner has nothing to report, or the VAR does not ask this year.
        NOTHING_TO_REPORT = "nothing_to_report", _("Niets te melden")
        NOT_APPLICABLE = "not_applicable", _("Niet van toepassing dit jaar")

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("editie"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("organisatie"))
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("formulier"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Bumped on every save of values: a save based on an older version is refused (no lost updates).
    version = models.PositiveIntegerField(_("versie"), default=1)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("laatst gewijzigd"), auto_now=True)
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("laatst gewijzigd door")
    )
    submitted_at = models.DateTimeField(_("ingediend op"), null=True, blank=True)
    approved_at = models.DateTimeField(_("goedgekeurd op"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("goedgekeurd door")
    )
    # Errors plus unexplained warnings, refreshed on every save: the staff overview reads it as is.
    open_findings = models.PositiveIntegerField(_("open controlepunten"), default=0)
    # The version that was approved: cells changed in a later version are "edits since approval".
    approved_version = models.PositiveIntegerField(_("goedgekeurde versie"), null=True, blank=True)
    # The reason given with "niets te melden" or "niet van toepassing dit jaar".
    completeness_reason = models.CharField(_("reden"), max_length=500, blank=True)
    # Reopened by a correction of its published edition: the only kind of submission that may change
    # while the edition is published. Cleared when the edition is published again.
    under_correction = models.BooleanField(_("in correctie"), default=False)

    class Meta:
        verbose_name = _("aanlevering")
        verbose_name_plural = _("aanleveringen")
        ordering = ["-edition__year", "organisation__name", "form__order"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "organisation", "form"], name="one_submission_per_form"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.form.title} {self.edition.year}"

    @property
    def is_frozen(self) -> bool:
        """Frozen by publication: every submission of a published edition, except those under correction."""
        return self.edition.status == Edition.Status.PUBLISHED and not (
            self.edition.in_correction and self.under_correction
        )

    @property
    def is_complete_without_figures(self) -> bool:
        return self.status in COMPLETE_WITHOUT_FIGURES

    @property
    def is_locked(self) -> bool:
        return self.status in {self.Status.APPROVED, *COMPLETE_WITHOUT_FIGURES} or self.is_frozen

    @property
    def is_editable(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.RETURNED} and not self.is_locked

    @property
    def is_late(self) -> bool:
        return is_late(
            deadline=self.edition.deadline,
            edition_status=self.edition.status,
            status=self.status,
            submitted_at=self.submitted_at,
        )

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS[self.status]


# Bootstrap colour of each status badge.
STATUS_COLOURS = {
    Submission.Status.DRAFT: "secondary",
    Submission.Status.SUBMITTED: "info",
    Submission.Status.RETURNED: "warning",
    Submission.Status.APPROVED: "success",
    Submission.Status.NOTHING_TO_REPORT: "light border",
    Submission.Status.NOT_APPLICABLE: "light border",
}
# States that complete a submission without any figure: counted as delivered, never as missing.
COMPLETE_WITHOUT_FIGURES = frozenset({Submission.Status.NOTHING_TO_REPORT, Submission.Status.NOT_APPLICABLE})


def is_late(
    *,
    deadline: datetime.date | None,
    edition_status: str,
    status: str,
    submitted_at: datetime.datetime | None,
    today: datetime.date | None = None,
    zone: datetime.tzinfo | None = None,
) -> bool:
    """Whether a submission came in (or is still missing) after its edition's deadline.

    `today` and `zone` may be passed in when checking many submissions at once.
    """
    if deadline is None:
        return False
    if submitted_at is not None:
        return submitted_at.astimezone(zone or timezone.get_current_timezone()).date() > deadline
    if edition_status == Edition.Status.PUBLISHED:
        return False  # never delivered: shown as missing, not as late
    return status in {Submission.Status.DRAFT, Submission.Status.RETURNED} and (today or timezone.localdate()) > deadline


class EditionRevision(models.Model):
    """One publication of an edition: revision 1 is the first, each correction adds the next.

    `figures` is the snapshot of every approved figure at that moment, keyed
    "organisation|form|indicator|row|col", so an earlier revision stays retrievable after a
    correction changed the live values. `changes` lists what differs from the previous revision.
    """

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveSmallIntegerField(_("revisie"))
    published_at = models.DateTimeField(_("gepubliceerd op"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reden"), blank=True)  # the correction's reason (empty for revision 1)
    figures = models.JSONField(_("gepubliceerde cijfers"), default=dict)
    changes = models.JSONField(_("gewijzigde cijfers"), default=list, blank=True)

    class Meta:
        verbose_name = _("revisie")
        verbose_name_plural = _("revisies")
        ordering = ["edition", "number"]
        constraints = [models.UniqueConstraint(fields=["edition", "number"], name="one_revision_number_per_edition")]

    def __str__(self) -> str:
        return f"{self.edition.year} r{self.number}"


class Value(models.Model):
    """One cell: a count >= 0 (1/0 for yes/no) or a text; a None number means blank (unknown).

    Rows are never deleted once written, so a cleared cell keeps its history and its version.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="values", verbose_name=_("aanlevering"))
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values", verbose_name=_("indicator"))
    row = models.CharField(_("rij"), max_length=40, blank=True)
    col = models.CharField(_("kolom"), max_length=40, blank=True)
    number = models.PositiveIntegerField(_("aantal"), null=True, blank=True)
    text = models.TextField(_("tekst"), blank=True)
    comment = models.CharField(_("opmerking"), max_length=1000, blank=True)
    # The submission version that last changed this cell: tells a stale save what changed meanwhile.
    changed_in_version = models.PositiveIntegerField(_("gewijzigd in versie"), default=1)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("gewijzigd door")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("waarde")
        verbose_name_plural = _("waarden")
        constraints = [
            models.UniqueConstraint(fields=["submission", "indicator", "row", "col"], name="one_value_per_cell"),
            models.CheckConstraint(condition=models.Q(number__lte=1_000_000), name="value_number_at_most_a_million"),
        ]
        indexes = [
            # The monitor reads the few values with a comment (footnotes) or a text (narratives)
            # among many plain numbers: these keep it from scanning every value of an edition.
            models.Index(fields=["submission"], condition=~models.Q(comment=""), name="value_with_comment"),
            models.Index(fields=["submission"], condition=~models.Q(text=""), name="value_with_text"),
            # Whether an approved submission holds any figure (the monitor's complete sums): one
            # index-only probe per submission.
            models.Index(fields=["submission"], condition=models.Q(number__isnull=False), name="value_with_number"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}[{self.row},{self.col}]={self.number if self.number is not None else self.text}"


class Explanation(models.Model):
    """The partner's explanation of a warning, keyed by the warning's stable key."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="explanations", verbose_name=_("aanlevering"))
    key = models.CharField(_("sleutel"), max_length=200)
    text = models.TextField(_("toelichting"))
    # As Value.changed_in_version: a stale save can tell a colleague's newer explanation from its own.
    # A cleared explanation keeps its row (empty text), so that change has a version too.
    changed_in_version = models.PositiveIntegerField(_("gewijzigd in versie"), default=1)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("gewijzigd door")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("toelichting op waarschuwing")
        verbose_name_plural = _("toelichtingen op waarschuwingen")
        constraints = [models.UniqueConstraint(fields=["submission", "key"], name="one_explanation_per_warning")]


class DraftStash(models.Model):
    """Form input that arrived after its session ended, kept for the one person it belongs to.

    Written when a save reaches the server without a valid session or CSRF token (logged out, cookie
    expired, logged in again in another tab); offered back to that same user on that submission's
    form, never to anyone else, and deleted once used, discarded or saved over.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(_("invoer"), default=dict)
    created_at = models.DateTimeField(_("bewaard op"), default=timezone.now)

    class Meta:
        verbose_name = _("bewaarde invoer")
        verbose_name_plural = _("bewaarde invoer")
        constraints = [models.UniqueConstraint(fields=["user", "submission"], name="one_draft_stash_per_user_and_submission")]


def default_deadline(year: int) -> datetime.date:
    """The monitor is compiled in spring: figures of year N are due on 1 March of N+1."""
    return datetime.date(year + 1, 3, 1)


class SubmissionEvent(AppendOnlyModel):
    """One step of a submission's workflow: who moved it from where to where, and why.

    Append-only: the application never updates or deletes events.
    """

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Ingediend")
        RETURN = "return", _("Teruggestuurd")
        APPROVE = "approve", _("Goedgekeurd")
        REOPEN = "reopen", _("Heropend")
        NOTHING_TO_REPORT = "nothing_to_report", _("Niets te melden")
        NOT_APPLICABLE = "not_applicable", _("Niet van toepassing verklaard")
        RESTORE = "restore", _("Teruggezet naar concept")
        # A correction withdrawn: back to the published state and figures (apps/submissions/corrections.py).
        CANCEL_CORRECTION = "cancel_correction", _("Correctie ingetrokken")
        # A contributor's hand-off: the draft stays a draft.
        READY = "ready", _("Klaar voor de coördinator")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events", verbose_name=_("aanlevering"))
    at = models.DateTimeField(_("tijdstip"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("door"))
    action = models.CharField(_("actie"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("van"), max_length=20, choices=Submission.Status.choices)
    to_status = models.CharField(_("naar"), max_length=20, choices=Submission.Status.choices)
    comment = models.TextField(_("opmerking"), blank=True)
    # Review remarks per indicator: [{"indicator": code, "text": "..."}]
    item_comments = models.JSONField(_("opmerkingen per onderdeel"), default=list, blank=True)
    late = models.BooleanField(_("na de deadline"), default=False)

    class Meta:
        verbose_name = _("stap in de beoordeling")
        verbose_name_plural = _("stappen in de beoordeling")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.submission}: {self.get_action_display()}"


class ReminderLog(models.Model):
    """Which deadline reminder went to which organisation on which day: never send one twice."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+", verbose_name=_("editie"))
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisatie"))
    kind = models.CharField(_("soort"), max_length=30)
    sent_on = models.DateField(_("verstuurd op"))

    class Meta:
        verbose_name = _("herinnering")
        verbose_name_plural = _("herinneringen")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "organisation", "kind", "sent_on"], name="one_reminder_per_kind_per_day"
            )
        ]
