"""Around the edition overview's rows: search, status filter, sorting and pages, contacts and the CSV export.

The rows themselves are built in overview.py; these choose, order and present them.
"""

from __future__ import annotations

import csv
import io

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils.translation import gettext_lazy as _

from apps.partners.models import Membership, Role
from apps.partners.spreadsheets import csv_safe
from apps.submissions.models import Edition, Submission
from apps.submissions.overview import DEFAULT_ORDER, STATE_LABELS, OverviewRow, overview_rows, overview_submissions

PAGE_SIZE = 50  # as the staff's list of organisations: a page reads and renders in milliseconds

_DISPLAY_NAME = Lower(Coalesce(NullIf("organisation__short_name", Value("")), "organisation__name"))
# Not started, draft, returned, submitted, approved; the completed-without-figures states last.
_STATE_ORDER = Case(
    When(status=Submission.Status.DRAFT, version=1, then=0),
    When(status=Submission.Status.DRAFT, then=1),
    When(status=Submission.Status.RETURNED, then=2),
    When(status=Submission.Status.SUBMITTED, then=3),
    When(status=Submission.Status.APPROVED, then=4),
    default=9,
)
# The database sorts (so a page is a LIMIT); the default order breaks ties, so paging never
# repeats or skips a row.
ORDERINGS = {
    "": DEFAULT_ORDER,
    "organisatie": (_DISPLAY_NAME, Lower("form__title"), *DEFAULT_ORDER),
    "status": (_STATE_ORDER, _DISPLAY_NAME, *DEFAULT_ORDER),
    "gewijzigd": (F("updated_at").asc(nulls_last=True), *DEFAULT_ORDER),
    "-gewijzigd": (F("updated_at").desc(nulls_first=True), *DEFAULT_ORDER),
}


class OverviewControlsForm(forms.Form):
    q = forms.CharField(
        label=_("Zoeken"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "class": "form-control", "placeholder": _("Naam, slug of CBS-code")}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Alle statussen")), *STATE_LABELS.items()],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    sort = forms.ChoiceField(
        label=_("Sorteren op"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        choices=[
            ("", _("Soort en naam")),
            ("organisatie", _("Organisatie (A-Z)")),
            ("status", _("Status")),
            ("gewijzigd", _("Laatste wijziging (oudste eerst)")),
            ("-gewijzigd", _("Laatste wijziging (nieuwste eerst)")),
        ],
    )


def selected_submissions(
    *, edition: Edition, kind: str = "", subregion: str = "", q: str = "", status: str = "", sort: str = ""
):
    """The submissions the overview shows for these filters, in the chosen order (read with overview_rows)."""
    return overview_submissions(
        edition=edition, kind=kind, subregion=subregion, q=q, status=status, ordering=ORDERINGS.get(sort, DEFAULT_ORDER)
    )


def overview_page(*, edition: Edition, page: str | int | None = 1, **selection) -> Page:
    """One page of the overview's rows; a count, the page, and its edits and reminders: four queries."""
    result = Paginator(selected_submissions(edition=edition, **selection), PAGE_SIZE).get_page(page)
    result.object_list = overview_rows(edition, result.object_list)
    return result


def coordinators_by_organisation(organisation_ids: set[int]) -> dict[int, list[tuple[str, str]]]:
    """The contact persons (coordinators) per organisation, in one query."""
    contacts: dict[int, list[tuple[str, str]]] = {}
    for org_id, name, email in (
        Membership.objects.filter(organisation_id__in=organisation_ids, role=Role.COORDINATOR, user__is_active=True)
        .order_by("user__name", "user__email")
        .values_list("organisation_id", "user__name", "user__email")
    ):
        contacts.setdefault(org_id, []).append((name or email, email))
    return contacts


def overview_csv(rows: list[OverviewRow], contacts: dict[int, list[tuple[str, str]]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")  # Dutch Excel reads semicolons
    writer.writerow(
        [
            _("Organisatie"), _("Soort"), _("Formulier"), _("Status"), _("Te laat"), _("Laatste wijziging"),
            _("Door"), _("Open waarschuwingen"), _("Wijzigingen na goedkeuring"), _("Contactpersoon"), _("E-mailadres"),
        ]
    )
    for r in rows:
        people = contacts.get(r.organisation_id, [])
        writer.writerow(
            [
                csv_safe(v)
                for v in (
                    r.organisation, r.organisation_detail, r.form, r.state_label, _("ja") if r.late else _("nee"),
                    r.updated, r.editor, r.open_warnings, r.edits_since_approval,
                    ", ".join(name for name, __ in people), ", ".join(email for __, email in people),
                )
            ]
        )
    return out.getvalue()
