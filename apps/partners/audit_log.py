"""Reading the audit log: filters, keyset paging and the CSV download of the staff audit page.

Every filter hits an index (action, organisation, actor, each with id; at), and pages go by id
("older than entry N"), never by OFFSET or a COUNT over the whole table.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django import forms
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.partners.directory import search_q
from apps.partners.models import AuditEvent, Organisation, User
from apps.partners.spreadsheets import csv_safe
from apps.partners.widgets import QuickSelect

PAGE_SIZE = 50


def _type_choices() -> list[tuple[str, str]]:
    """Every action type, grouped: "account.*" selects all account events."""
    groups = sorted({value.split(".", 1)[0] for value in AuditEvent.Action.values})
    every = _("alle")  # not inside the f-string: xgettext does not look there
    return (
        [("", _("Alle soorten"))]
        + [(f"{group}.*", f"{group}.* – {every}") for group in groups]
        + [(value, f"{value} – {label}") for value, label in AuditEvent.Action.choices]
    )


# How many organisations a search that fits several offers to choose from.
MATCHES_SHOWN = 10


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("Vanaf"), required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})
    )
    date_to = forms.DateField(
        label=_("Tot en met"), required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    action = forms.ChoiceField(
        label=_("Soort"), required=False, choices=_type_choices, widget=QuickSelect(attrs={"class": "form-select form-select-sm"})
    )
    # A search, not a list of every organisation (1,000 options were most of the page's bytes and
    # time): a slug (the links of other pages), a whole name, or a part of one that fits one organisation.
    organisation = forms.CharField(
        label=_("Organisatie"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "class": "form-control form-control-sm", "placeholder": _("Naam, slug of CBS-code")}
        ),
    )
    q = forms.EmailField(
        label=_("Persoon (e-mailadres)"), required=False, max_length=254,
        widget=forms.EmailInput(attrs={"class": "form-control form-control-sm", "placeholder": "naam@organisatie.nl"}),
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_matches: list[Organisation] = []  # the choice offered when a search fits several

    def clean_organisation(self) -> Organisation | None:
        text = self.cleaned_data["organisation"].strip()
        if not text:
            return None
        exact = list(
            Organisation.objects.filter(Q(slug=text) | Q(name__iexact=text) | Q(short_name__iexact=text))
            .order_by("name")[: MATCHES_SHOWN + 1]
        )
        if by_slug := [o for o in exact if o.slug == text]:
            return by_slug[0]
        if len(exact) == 1:
            return exact[0]
        matches = exact or list(Organisation.objects.filter(search_q(text)).order_by("name")[: MATCHES_SHOWN + 1])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(_("Geen organisatie gevonden met „%(text)s”."), params={"text": text})
        self.organisation_matches = matches[:MATCHES_SHOWN]
        raise forms.ValidationError(_("„%(text)s” past bij meer organisaties; kies er een."), params={"text": text})

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("De einddatum ligt vóór de begindatum."))
        return data

    def full_clean(self) -> None:
        super().full_clean()
        # Bootstrap marks a field in error by its widget's class; each form has its own copy of the fields.
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered_events(data: dict) -> QuerySet[AuditEvent]:
    """The entries matching the form's cleaned data, newest first."""
    events = AuditEvent.objects.select_related("organisation")
    if day := data.get("date_from"):
        events = events.filter(at__gte=_day_start(day))
    if day := data.get("date_to"):
        events = events.filter(at__lt=_day_start(day + datetime.timedelta(days=1)))
    if action := data.get("action"):
        events = events.filter(action__startswith=action[:-1]) if action.endswith(".*") else events.filter(action=action)
    if organisation := data.get("organisation"):
        events = events.filter(organisation=organisation)
    if email := (data.get("q") or "").strip().lower():
        # Failed logins name an address without an account: match the stored address as well.
        # Both columns are indexed; the account is looked up first so no join is needed.
        user_id = User.objects.filter(email=email).values_list("pk", flat=True).first()
        events = events.filter(Q(actor_id=user_id) | Q(actor_email=email)) if user_id else events.filter(actor_email=email)
    return events.order_by("-id")


@dataclass
class Page:
    events: list[AuditEvent]
    older_than: int | None  # the id for the "older" link, None on the last page


def page_of(events: QuerySet[AuditEvent], before: int | None) -> Page:
    if before:
        events = events.filter(id__lt=before)
    rows = list(events[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    # get_action_display() translates and hashes every one of the ~45 labels on each call (most
    # of the page's time at two calls an entry): looked up once a page instead.
    labels = {value: str(label) for value, label in AuditEvent.Action.choices}
    for event in rows:
        event.action_label = labels.get(event.action, event.action)
    return Page(events=rows, older_than=rows[-1].pk if more else None)


# The pages an entry's object opens, by object type: (url name, argument from the entry).
_OBJECT_URLS = {
    "submissions.submission": ("review_submission", lambda e: [int(e.object_id)]),
    "partners.organisation": ("staff_organisation", lambda e: [e.organisation.slug] if e.organisation else None),
    "partners.membership": ("staff_organisation", lambda e: [e.organisation.slug] if e.organisation else None),
}


def object_url(event: AuditEvent) -> str | None:
    """A link to the object of the entry, where the staff pages have one."""
    spec = _OBJECT_URLS.get(event.object_type)
    if spec is None or not event.object_id:
        return None
    name, args = spec
    try:
        arguments = args(event)
        return reverse(name, args=arguments) if arguments else None
    except (NoReverseMatch, ValueError):
        return None


def object_urls(events: list[AuditEvent]) -> list[str | None]:
    """The links of a page of entries; editions are looked up by id in one query (their URL has the year)."""
    from apps.submissions.models import Edition  # the submissions app builds on partners

    edition_ids = {int(e.object_id) for e in events if e.object_type == "submissions.edition" and e.object_id.isdigit()}
    years = dict(Edition.objects.filter(pk__in=edition_ids).values_list("pk", "year")) if edition_ids else {}
    urls = []
    for e in events:
        if e.object_type == "submissions.edition":
            year = years.get(int(e.object_id)) if e.object_id.isdigit() else None
            urls.append(reverse("edition_overview", args=[year]) if year else None)
        else:
            urls.append(object_url(e))
    return urls


CSV_HEADER = ["tijdstip", "soort", "door", "organisatie", "object", "omschrijving", "ip-adres"]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """The CSV lines of the entries, read in chunks (the file may be long; memory stays small)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_HEADER)  # BOM: Excel opens UTF-8 correctly
    for e in events.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                csv_safe(timezone.localtime(e.at).isoformat(timespec="seconds")),
                csv_safe(e.action),
                csv_safe(e.actor_email or "systeem"),
                csv_safe(e.organisation.name if e.organisation else ""),
                csv_safe(f"{e.object_type}:{e.object_id}" if e.object_type else ""),
                csv_safe(e.summary),
                csv_safe(e.ip_address or ""),
            ]
        )
