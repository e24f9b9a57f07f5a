"""The staff's edition overview: every submission of an edition with its state, in fixed queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F

from apps.submissions import rules
from apps.submissions.grid import Grid, build_grid
from apps.submissions.models import Category, Edition, Explanation, Indicator, Rule, Submission, Value


@dataclass
class OverviewRow:
    submission: Submission
    state: str  # not_started, draft, submitted, returned, approved
    state_label: str
    open_warnings: int
    edits_since_approval: int


STATE_LABELS = {
    "not_started": "Niet begonnen",
    "draft": "Concept",
    "submitted": "Ingediend",
    "returned": "Teruggestuurd",
    "approved": "Goedgekeurd",
}


def _grids_by_form(edition: Edition) -> tuple[dict[int, dict[str, Grid]], list[Rule]]:
    categories: dict[int, list[Category]] = defaultdict(list)
    for category in Category.objects.filter(dimension__edition=edition).order_by("order", "pk"):
        categories[category.dimension_id].append(category)
    grids: dict[int, dict[str, Grid]] = defaultdict(dict)
    for indicator in Indicator.objects.filter(edition=edition).select_related("section"):
        grids[indicator.section.form_id][indicator.code] = build_grid(indicator, categories)
    return grids, list(Rule.objects.filter(indicator__edition=edition))


def _figures(value_rows) -> dict[int, dict]:
    figures: dict[int, dict] = defaultdict(dict)
    for submission_id, code, row, col, number in value_rows:
        figures[submission_id][(code, row, col)] = number
    return figures


def edition_overview(*, edition: Edition, kind: str = "", subregion: str = "") -> tuple[list[OverviewRow], dict]:
    """Rows per submission and the counts at the top; the number of queries does not depend on size."""
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
    ids = [s.pk for s in submissions]

    grids, all_rules = _grids_by_form(edition)
    rules_by_form: dict[int, list[Rule]] = defaultdict(list)
    form_of_indicator = {g.indicator.pk: form_id for form_id, gs in grids.items() for g in gs.values()}
    for rule in all_rules:
        rules_by_form[form_of_indicator.get(rule.indicator_id)].append(rule)

    figures = _figures(
        Value.objects.filter(submission_id__in=ids).values_list("submission_id", "indicator__code", "row", "col", "number")
    )
    explained: dict[int, set[str]] = defaultdict(set)
    for submission_id, key, text in Explanation.objects.filter(submission_id__in=ids).values_list("submission_id", "key", "text"):
        if text.strip():
            explained[submission_id].add(key)

    # The last approved earlier submission per organisation and form code, for year-over-year rules.
    previous: dict[tuple[int, str], tuple[int, int]] = {}
    for pk, org_id, code, year in (
        Submission.objects.filter(
            organisation_id__in={s.organisation_id for s in submissions},
            status=Submission.Status.APPROVED,
            edition__year__lt=edition.year,
        )
        .order_by("edition__year")
        .values_list("pk", "organisation_id", "form__code", "edition__year")
    ):
        previous[(org_id, code)] = (pk, year)
    previous_figures = _figures(
        Value.objects.filter(submission_id__in=[pk for pk, _ in previous.values()]).values_list(
            "submission_id", "indicator__code", "row", "col", "number"
        )
    )

    edits = dict(
        Value.objects.filter(
            submission_id__in=ids,
            submission__approved_version__isnull=False,
            changed_in_version__gt=F("submission__approved_version"),
        )
        .values("submission_id")
        .annotate(n=Count("id"))
        .values_list("submission_id", "n")
    )

    rows = []
    for s in submissions:
        prev_pk, prev_year = previous.get((s.organisation_id, s.form.code), (None, None))
        findings = rules.evaluate(
            grids=grids.get(s.form_id, {}),
            rules=rules_by_form.get(s.form_id, []),
            figures=figures.get(s.pk, {}),
            previous=previous_figures.get(prev_pk, {}),
            previous_year=prev_year,
        )
        open_warnings = sum(1 for f in findings if f.is_error or f.key not in explained[s.pk])
        state = s.status
        if s.status == Submission.Status.DRAFT and s.version == 1:
            state = "not_started"
        label = STATE_LABELS[state]
        if edition.status == Edition.Status.PUBLISHED and state in {"not_started", "draft", "returned"}:
            label = "Niet aangeleverd"
        rows.append(OverviewRow(s, state, label, open_warnings, edits.get(s.pk, 0)))

    counts = {
        "expected": len(rows),
        "submitted": sum(1 for r in rows if r.submission.status in {Submission.Status.SUBMITTED, Submission.Status.APPROVED}),
        "approved": sum(1 for r in rows if r.submission.status == Submission.Status.APPROVED),
        "late": sum(1 for r in rows if r.submission.is_late),
    }
    return rows, counts
