"""Read models for the submission pages, each with a constant number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


from apps.partners import access
from apps.partners.models import Organisation, User
from apps.submissions.grid import Grid, build_grid
from apps.submissions.models import (
    Category,
    Explanation,
    Indicator,
    Rule,
    Section,
    Submission,
    Value,
)
from apps.submissions.rules import Figures, Finding, evaluate

CellId = tuple[str, str, str]  # (indicator code, row, col)


def submissions_overview_for_organisation(*, user: User, organisation: Organisation) -> list[Submission]:
    if not access.can_read(user, organisation):
        return []
    return list(
        Submission.objects.filter(organisation=organisation)
        .select_related("edition", "form")
        .order_by("-edition__year", "form__order")
    )


# The access rule lives in access.py; the name stays for existing callers.
submissions_for = access.submissions_for


def previous_approved(submission: Submission) -> Submission | None:
    """The organisation's last approved submission of the same form in an earlier edition."""
    return (
        Submission.objects.filter(
            organisation_id=submission.organisation_id,
            form__code=submission.form.code,
            edition__year__lt=submission.edition.year,
            status=Submission.Status.APPROVED,
        )
        .select_related("edition")
        .order_by("-edition__year")
        .first()
    )


@dataclass
class FormContext:
    submission: Submission
    sections: list[tuple[Section, list[Grid]]]
    grids: dict[str, Grid]
    rules: list[Rule]
    values: dict[CellId, Value]
    previous: Submission | None
    previous_values: dict[CellId, Value] = field(default_factory=dict)
    explanations: dict[str, Explanation] = field(default_factory=dict)

    def figures(self) -> Figures:
        return {key: v.number for key, v in self.values.items()}

    def previous_figures(self) -> Figures:
        return {key: v.number for key, v in self.previous_values.items()}

    def findings(self, figures: Figures | None = None) -> list[Finding]:
        """The rules' findings on these figures (default: the stored ones), against last approved year."""
        return evaluate(
            grids=self.grids,
            rules=self.rules,
            figures=self.figures() if figures is None else figures,
            previous=self.previous_figures(),
            previous_year=self.previous.edition.year if self.previous else None,
        )


def _values_by_cell(submission_id: int) -> dict[CellId, Value]:
    # Every column of Value itself is loaded: a save hands these very objects to the bulk writes and
    # their history, which would fetch a deferred column object by object.
    qs = Value.objects.filter(submission_id=submission_id).select_related("indicator").only(
        "indicator__code", "row", "col", "number", "text", "comment", "changed_in_version", "submission_id",
        "indicator_id", "updated_at", "updated_by_id",
    )
    return {(v.indicator.code, v.row, v.col): v for v in qs}


def load_form_context(submission: Submission) -> FormContext:
    """Everything needed to show and check a submission form, in a fixed number of queries."""
    categories: dict[int, list[Category]] = defaultdict(list)
    for category in Category.objects.filter(dimension__edition_id=submission.edition_id).order_by("order", "pk"):
        categories[category.dimension_id].append(category)
    indicators = list(
        Indicator.objects.filter(section__form_id=submission.form_id).select_related("section").order_by(
            "section__order", "order", "pk"
        )
    )
    grids = {indicator.code: build_grid(indicator, categories) for indicator in indicators}
    sections: list[tuple[Section, list[Grid]]] = []
    for indicator in indicators:
        if not sections or sections[-1][0].pk != indicator.section_id:
            sections.append((indicator.section, []))
        sections[-1][1].append(grids[indicator.code])
    rules = list(Rule.objects.filter(indicator__section__form_id=submission.form_id))
    previous = previous_approved(submission)
    return FormContext(
        submission=submission,
        sections=sections,
        grids=grids,
        rules=rules,
        values=_values_by_cell(submission.pk),
        previous=previous,
        previous_values=_values_by_cell(previous.pk) if previous else {},
        explanations={e.key: e for e in Explanation.objects.filter(submission=submission)},
    )
