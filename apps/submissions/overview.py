"""The staff's edition overview: every submission of an edition with its state, in fixed queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from apps.partners.models import OrganisationKind, Subregion
from apps.submissions.models import Edition, Submission, Value


@dataclass
class OverviewRow:
    """One line of the overview, with its display strings prepared (1,000 rows render fast)."""

    submission: Submission
    state: str  # not_started, draft, submitted, returned, approved
    state_label: str
    open_warnings: int
    edits_since_approval: int
    late: bool = False
    organisation: str = ""
    organisation_detail: str = ""
    updated: str = ""
    editor: str = ""
    review_url: str = ""


STATE_LABELS = {
    "not_started": "Niet begonnen",
    "draft": "Concept",
    "submitted": "Ingediend",
    "returned": "Teruggestuurd",
    "approved": "Goedgekeurd",
}


def edition_overview(*, edition: Edition, kind: str = "", subregion: str = "") -> tuple[list[OverviewRow], dict]:
    """Rows per submission and the counts at the top, in three queries whatever the edition's size.

    Open findings are counted when a submission is saved (Submission.open_findings), so the
    overview never re-runs the rules for every organisation.
    """
    submissions = (
        Submission.objects.filter(edition=edition)
        .select_related("organisation", "form", "last_edited_by", "edition")
        .order_by("organisation__kind", "organisation__name", "form__order")
    )
    if kind:
        submissions = submissions.filter(organisation__kind=kind)
    if subregion:
        submissions = submissions.filter(organisation__subregion=subregion)
    submissions = list(submissions)

    edits = dict(
        Value.objects.filter(
            submission__edition=edition,
            submission__approved_version__isnull=False,
            changed_in_version__gt=F("submission__approved_version"),
        )
        .values("submission_id")
        .annotate(n=Count("id"))
        .values_list("submission_id", "n")
    )

    review_prefix = reverse("review_submission", args=[0])[:-2]  # "/beheer/aanleveringen/"
    kinds, subregions = dict(OrganisationKind.choices), dict(Subregion.choices)
    rows = []
    for s in submissions:
        state = s.status
        if s.status == Submission.Status.DRAFT and s.version == 1:
            state = "not_started"
        label = STATE_LABELS[state]
        if edition.status == Edition.Status.PUBLISHED and state in {"not_started", "draft", "returned"}:
            label = "Niet aangeleverd"
        org = s.organisation
        detail = str(kinds.get(org.kind, ""))
        if org.subregion:
            detail += f" · {subregions.get(org.subregion, '')}"
        rows.append(
            OverviewRow(
                submission=s,
                state=state,
                state_label=label,
                open_warnings=s.open_findings,
                edits_since_approval=edits.get(s.pk, 0),
                late=s.is_late,
                organisation=str(org),
                organisation_detail=detail,
                updated=formats.date_format(timezone.localtime(s.updated_at), "j M Y H:i"),
                editor=s.last_edited_by.get_full_name() if s.last_edited_by else "",
                review_url=f"{review_prefix}{s.pk}/",
            )
        )

    counts = {
        "expected": len(rows),
        "submitted": sum(1 for r in rows if r.submission.status in {Submission.Status.SUBMITTED, Submission.Status.APPROVED}),
        "approved": sum(1 for r in rows if r.submission.status == Submission.Status.APPROVED),
        "late": sum(1 for r in rows if r.late),
    }
    return rows, counts


_ROW_HTML = (
    '<tr data-organisation="{slug}"><td>{organisation}<span class="d-block small text-body-secondary">{detail}</span></td>'
    "<td>{form}</td>"
    '<td><span class="badge status-badge text-bg-{colour}">{state}</span>{late}</td>'
    '<td class="small">{updated}{editor}</td>'
    '<td class="text-end">{warnings}</td><td class="text-end">{edits}</td>'
    '<td><a class="btn btn-sm {button}" href="{url}">{action}<span class="visually-hidden"> {organisation}</span></a></td></tr>'
)


def render_rows(rows: list[OverviewRow]) -> str:
    """The table body as HTML, escaped by format_html: a thousand rows in milliseconds, not a second."""
    late = format_html(' <span class="badge text-bg-danger">{}</span>', _("te laat"))
    review, view = _("Beoordelen"), _("Bekijken")
    return format_html_join(
        "\n",
        _ROW_HTML,
        (
            {
                "slug": r.submission.organisation.slug,
                "organisation": r.organisation,
                "detail": r.organisation_detail,
                "form": r.submission.form.title,
                "colour": r.submission.status_colour,
                "state": r.state_label,
                "late": late if r.late else "",
                "updated": r.updated,
                "editor": format_html('<span class="d-block text-body-secondary">{}</span>', r.editor) if r.editor else "",
                "warnings": r.open_warnings,
                "edits": r.edits_since_approval,
                "button": "btn-primary" if r.state == "submitted" else "btn-outline-primary",
                "url": r.review_url,
                "action": review if r.state == "submitted" else view,
            }
            for r in rows
        ),
    )
