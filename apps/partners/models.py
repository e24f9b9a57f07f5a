"""Partner organisations, users and their memberships."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("Een e-mailadres is verplicht.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who logs in with an email address; what they may do comes from memberships."""

    username = None
    first_name = None
    last_name = None
    name = models.CharField(_("naam"), max_length=150, blank=True)
    email = models.EmailField(_("e-mailadres"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email


class OrganisationKind(models.TextChoices):
    POLITIE = "politie", _("Politie")
    ZORG = "zorg", _("Zorg/expertisecentrum")
    GEMEENTE = "gemeente", _("Gemeente")
    RIEC = "riec", _("RIEC")
    LANDELIJK = "landelijk", _("Landelijk/overig")


class Subregion(models.TextChoices):
    ROTTERDAM = "rotterdam", _("Rotterdam")
    RIJNMOND = "rijnmond", _("Rotterdam-Rijnmond")
    ZHZ = "zhz", _("Zuid-Holland-Zuid")


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def active_on(self, day: datetime.date) -> OrganisationQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def active_in_year(self, year: int) -> OrganisationQuerySet:
        """Organisations that existed on any day of the year."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=datetime.date(year, 12, 31))).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=datetime.date(year, 1, 1))
        )


class Organisation(models.Model):
    """A partner that delivers figures, or VAR itself."""

    name = models.CharField(_("naam"), max_length=200, unique=True)
    short_name = models.CharField(_("korte naam"), max_length=60, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("soort"), max_length=20, choices=OrganisationKind.choices)
    subregion = models.CharField(
        _("subregio"),
        max_length=20,
        choices=Subregion.choices,
        blank=True,
        help_text=_("Alleen voor gemeenten."),
    )
    cbs_code = models.CharField(_("CBS-code"), max_length=6, blank=True)
    is_var = models.BooleanField(
        _("is de VAR"), default=False, help_text=_("De Veiligheidsalliantie zelf: medewerkers beoordelen aanleveringen.")
    )
    valid_from = models.DateField(_("geldig vanaf"), null=True, blank=True)
    valid_to = models.DateField(_("geldig tot en met"), null=True, blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cbs_code"], condition=~Q(cbs_code=""), name="unique_cbs_code_when_set"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="valid_to_after_valid_from",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def save(self, *args, **kwargs) -> None:
        # Flipping "is de VAR" would turn its staff into staff of a partner (or the reverse).
        if self.pk is not None and self.memberships.exists():
            was_var = Organisation.objects.filter(pk=self.pk).values_list("is_var", flat=True).first()
            if was_var is not None and was_var != self.is_var:
                raise ValidationError({"is_var": _("Deze organisatie heeft leden; 'is de VAR' verandert dan niet.")})
        super().save(*args, **kwargs)

    def is_active_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or self.valid_to >= day)


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coördinator")
    CONTRIBUTOR = "contributor", _("Invoerder")
    VIEWER = "viewer", _("Lezer")
    REVIEWER = "reviewer", _("VAR-medewerker")
    ADMINISTRATOR = "administrator", _("Beheerder")


# Roles that only exist inside the VAR organisation.
STAFF_ROLES = frozenset({Role.REVIEWER, Role.ADMINISTRATOR})
PARTNER_ROLES = frozenset({Role.COORDINATOR, Role.CONTRIBUTOR, Role.VIEWER})


def check_role_fits_organisation(*, organisation: Organisation, role: str) -> None:
    """Staff roles exist only inside the VAR; partner roles only outside it."""
    if role in STAFF_ROLES and not organisation.is_var:
        raise ValidationError({"role": _("De rollen VAR-medewerker en beheerder bestaan alleen binnen de VAR.")})
    if role in PARTNER_ROLES and organisation.is_var:
        raise ValidationError({"role": _("Kies binnen de VAR de rol VAR-medewerker of beheerder.")})


class Membership(models.Model):
    """A user's role in one organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("gebruiker"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("organisatie")
    )
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("uitgenodigd door")
    )

    class Meta:
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")
        ordering = ["organisation__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_user_and_organisation"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"

    def clean(self) -> None:
        if self.organisation_id is not None:
            check_role_fits_organisation(organisation=self.organisation, role=self.role)

    def save(self, *args, **kwargs) -> None:
        # Every save path (services, admin, shell, fixtures through save()) passes this check, so a
        # reviewer role outside the VAR cannot exist. Not a database constraint: the rule spans two
        # tables, and Organisation.save() guards the other side (is_var cannot flip under members).
        # bulk_create/update() skip it; the application uses neither for memberships.
        self.clean()
        super().save(*args, **kwargs)


class AppendOnlyModel(models.Model):
    """A record that is written once and never changed or deleted by the application."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError(f"{self._meta.verbose_name} wordt nooit gewijzigd.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{self._meta.verbose_name} wordt nooit verwijderd.")


class AuditEvent(AppendOnlyModel):
    """An append-only record of who did what; never updated or deleted by the application."""

    class Action(models.TextChoices):
        # Dotted "object.event" types (as pretix does): the audit log filters on the exact type or on
        # the part before the dot (all "account." events). Stored values; renaming one needs a migration.
        LOGIN = "account.login", _("Ingelogd")
        LOGIN_FAILED = "account.login_failed", _("Mislukte inlogpoging")
        RATE_LIMITED = "account.rate_limited", _("Inlogpoging geweigerd (te veel pogingen)")
        LOGOUT = "account.logout", _("Uitgelogd")
        MFA_ACTIVATED = "account.mfa_added", _("Tweestapsverificatie ingesteld")
        MFA_DEACTIVATED = "account.mfa_removed", _("Tweestapsverificatie uitgezet")
        MFA_REMOVED_BY_ADMIN = "account.mfa_removed_by_admin", _("Tweestapsverificatie verwijderd door beheerder")
        PASSWORD_RESET = "account.password_reset", _("Wachtwoord opnieuw ingesteld")
        PASSWORD_CHANGED = "account.password_changed", _("Wachtwoord gewijzigd")
        PASSWORD_SET = "account.password_set", _("Wachtwoord ingesteld door beheerder")
        DEACTIVATED = "account.deactivated", _("Account uitgeschakeld")
        ACTIVATED = "account.activated", _("Account weer ingeschakeld")
        ACCOUNT_RENAMED = "account.renamed", _("Naam gewijzigd")
        INVITED = "membership.invited", _("Uitgenodigd")
        MEMBERSHIP_CHANGED = "membership.role_changed", _("Rol gewijzigd")
        MEMBERSHIP_REMOVED = "membership.removed", _("Lidmaatschap verwijderd")
        ORGANISATION_CREATED = "organisation.created", _("Organisatie aangemaakt")
        ORGANISATION_RENAMED = "organisation.renamed", _("Organisatie hernoemd")
        ORGANISATION_CHANGED = "organisation.changed", _("Organisatie gewijzigd")
        SUBMITTED = "submission.submitted", _("Aanlevering ingediend")
        RETURNED = "submission.returned", _("Aanlevering teruggestuurd")
        APPROVED = "submission.approved", _("Aanlevering goedgekeurd")
        REOPENED = "submission.reopened", _("Aanlevering heropend")
        NOTHING_TO_REPORT = "submission.nothing_to_report", _("Niets te melden")
        NOT_APPLICABLE = "submission.not_applicable", _("Niet van toepassing verklaard")
        RESTORED = "submission.restored", _("Teruggezet naar concept")
        HANDED_OFF = "submission.handed_off", _("Klaar voor de coördinator gemeld")
        VALUES_SAVED = "submission.values_saved", _("Cijfers opgeslagen")
        EDITION_CREATED = "edition.created", _("Editie aangemaakt")
        EDITION_OPENED = "edition.opened", _("Editie geopend")
        EDITION_CLOSED = "edition.closed", _("Editie gesloten")
        EDITION_REOPENED = "edition.reopened", _("Editie weer geopend")
        EDITION_DATES_CHANGED = "edition.dates_changed", _("Data van een editie gewijzigd")
        EDITION_PUBLISHED = "edition.published", _("Editie gepubliceerd")
        EDITION_CORRECTION_OPENED = "edition.correction_opened", _("Correctie van een editie geopend")
        EDITION_REVISION_PUBLISHED = "edition.revision_published", _("Herziene editie gepubliceerd")
        EDITION_CORRECTION_CANCELLED = "edition.correction_cancelled", _("Correctie van een editie ingetrokken")
        EDITION_CHANGED = "edition.changed", _("Editie gewijzigd")
        EDITION_DISCLOSURE_CHANGED = "edition.disclosure_changed", _("Afscherming van een editie gewijzigd")
        REMINDER_SENT = "edition.reminder_sent", _("Herinnering verstuurd")
        REPORT_CHAPTER_CHANGED = "report.chapter_changed", _("Rapporttekst gewijzigd")
        REPORT_CHAPTER_REMOVED = "report.chapter_removed", _("Rapporttekst verwijderd")
        CATALOGUE_CHANGED = "catalogue.changed", _("Catalogus gewijzigd")
        EXPORT = "export.downloaded", _("Export gedownload")
        AUDIT_EXPORTED = "audit.exported", _("Auditlog gedownload")

    at = models.DateTimeField(_("tijdstip"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("door")
    )
    actor_email = models.CharField(_("e-mailadres"), max_length=254, blank=True)
    action = models.CharField(_("actie"), max_length=40, choices=Action.choices, db_index=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("organisatie")
    )
    object_type = models.CharField(_("soort object"), max_length=50, blank=True)
    object_id = models.CharField(_("object"), max_length=50, blank=True)
    summary = models.CharField(_("omschrijving"), max_length=500, blank=True)
    data = models.JSONField(_("gegevens"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-adres"), null=True, blank=True)

    class Meta:
        verbose_name = _("auditregel")
        verbose_name_plural = _("auditlog")
        ordering = ["-at", "-id"]
        # The audit log page filters on one of these and pages by id (newest first): each filter
        # reads an index range, never the whole table.
        indexes = [
            models.Index(fields=["action", "-id"], name="audit_action_id"),
            models.Index(fields=["organisation", "-id"], name="audit_organisation_id"),
            models.Index(fields=["actor", "-id"], name="audit_actor_id"),
            models.Index(fields=["actor_email", "-id"], name="audit_actor_email_id"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email} {self.get_action_display()}"
