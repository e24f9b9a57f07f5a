"""Around the edition overview's rows: sorting, a status filter, contacts and the CSV export.

The rows themselves are built in overview.py; these only order, filter and present them.
"""

from __future__ import annotations

import csv
import io

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.partners.models import Membership, Role
from apps.partners.spreadsheets import csv_safe
from apps.submissions.overview import STATE_LABELS, OverviewRow

SORTS = {
    "organisatie": lambda r: (r.organisation.casefold(), r.form.casefold()),
    "status": lambda r: (_STATE_ORDER.get(r.state, 9), r.organisation.casefold()),
    "gewijzigd": lambda r: (r.updated_at is None, r.updated_at),
}
_STATE_ORDER = {"not_started": 0, "draft": 1, "returned": 2, "submitted": 3, "approved": 4}


class OverviewControlsForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Alle statussen")), *STATE_LABELS.items()]
    )
    sort = forms.ChoiceField(
        label=_("Sorteren op"),
        required=False,
        choices=[
            ("", _("Soort en naam")),
            ("organisatie", _("Organisatie (A-Z)")),
            ("status", _("Status")),
            ("gewijzigd", _("Laatste wijziging (oudste eerst)")),
            ("-gewijzigd", _("Laatste wijziging (nieuwste eerst)")),
        ],
    )


def filter_and_sort(rows: list[OverviewRow], *, status: str = "", sort: str = "") -> list[OverviewRow]:
    if status:
        rows = [r for r in rows if r.state == status]
    key = SORTS.get(sort.lstrip("-"))
    if key is not None:
        rows = sorted(rows, key=key, reverse=sort.startswith("-"))
    return rows


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
