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


@dataclass(frozen=True, slots=True)
class StoredCell:
    """A cell of last year's approved submission: only shown and compared, never written."""

    number: int | None
    text: str
    comment: str


@dataclass
class FormContext:
    submission: Submission
    sections: list[tuple[Section, list[Grid]]]
    grids: dict[str, Grid]
    rules: list[Rule]
    values: dict[CellId, Value]
    previous: Submission | None
    previous_values: dict[CellId, StoredCell] = field(default_factory=dict)
    explanations: dict[str, Explanation] = field(default_factory=dict)
    catalogue: FormCatalogue | None = None  # the shared catalogue the grids come from

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


_VALUE_COLUMNS = (
    "row", "col", "number", "text", "comment", "changed_in_version", "submission_id", "indicator_id", "updated_at",
    "updated_by_id",
)


def _values_by_cell(submission_id: int) -> dict[CellId, Value]:
    # Every column of Value itself is loaded: a save hands these very objects to the bulk writes and
    # their history, which would fetch a deferred column object by object.
    qs = Value.objects.filter(submission_id=submission_id).select_related("indicator").only(
        "indicator__code", *_VALUE_COLUMNS
    )
    return {(v.indicator.code, v.row, v.col): v for v in qs}


def _previous_by_cell(submission_id: int) -> dict[CellId, StoredCell]:
    """Last year's cells as plain rows: a model instance per cell was most of loading them."""
    rows = Value.objects.filter(submission_id=submission_id).values_list(
        "indicator__code", "row", "col", "number", "text", "comment"
    )
    return {(code, row, col): StoredCell(number, text, comment) for code, row, col, number, text, comment in rows}


def _own_values_by_cell(submission_id: int, grids: dict[str, Grid]) -> dict[CellId, Value]:
    """The submission's own values, their indicators taken from its form's catalogue (no join).

    The indicator instances are the shared catalogue's: the values only point at them.
    """
    indicators = {grid.indicator.pk: grid.indicator for grid in grids.values()}
    values = list(Value.objects.filter(submission_id=submission_id).only(*_VALUE_COLUMNS))
    if any(v.indicator_id not in indicators for v in values):
        return _values_by_cell(submission_id)  # a value outside its form: never in practice, still shown
    for value in values:
        value.indicator = indicators[value.indicator_id]
    return {(value.indicator.code, value.row, value.col): value for value in values}


@dataclass(frozen=True)
class FormCatalogue:
    """The catalogue part of a form context: the same for every submission of a form and revision.

    Kept per process (see `_FORM_CATALOGUES`) and shared by every request, so nothing may change
    these objects: a request gets its own dicts and lists (`load_form_context`), never its own grids.
    """

    sections: tuple[tuple[Section, tuple[Grid, ...]], ...]
    grids: dict[str, Grid]
    rules: tuple[Rule, ...]
    # The submission form's fields by language, built once by apps.submissions.forms and copied
    # for every form (their labels are translated when built).
    field_prototypes: dict = field(default_factory=dict, compare=False, repr=False)


# Form catalogues built once per process, as apps.monitor.aggregation keeps its catalogues. An
# edition's catalogue changes only with its catalogue_revision (apps/submissions/signals.py raises
# it on every change of a dimension, category, form, section, indicator or rule), so edition,
# version, revision and form name one. Building one was three queries and some 200 model instances
# on every form page and every save.
_FORM_CATALOGUES: dict[tuple[int, str, int, int], FormCatalogue] = {}
_FORM_CATALOGUES_KEPT = 64


def forget_form_catalogues() -> None:
    """Empty the form catalogues kept in this process (tests: a rolled-back edition's id comes back)."""
    _FORM_CATALOGUES.clear()


def _form_catalogue_key(submission: Submission) -> tuple[int, str, int, int]:
    edition = submission.edition
    return (edition.pk, edition.catalogue_version, edition.catalogue_revision, submission.form_id)


def _build_form_catalogue(submission: Submission) -> FormCatalogue:
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
    rules = tuple(Rule.objects.filter(indicator__section__form_id=submission.form_id))
    return FormCatalogue(
        sections=tuple((section, tuple(section_grids)) for section, section_grids in sections), grids=grids, rules=rules
    )


def form_catalogue(submission: Submission) -> FormCatalogue:
    """The sections, grids and rules of the submission's form, from this process's catalogues."""
    key = _form_catalogue_key(submission)
    catalogue = _FORM_CATALOGUES.get(key)
    if catalogue is None:
        if len(_FORM_CATALOGUES) >= _FORM_CATALOGUES_KEPT:
            _FORM_CATALOGUES.clear()
        catalogue = _FORM_CATALOGUES[key] = _build_form_catalogue(submission)
    return catalogue


def load_form_context(submission: Submission) -> FormContext:
    """Everything needed to show and check a submission form, in a fixed number of queries."""
    catalogue = form_catalogue(submission)
    previous = previous_approved(submission)
    return FormContext(
        submission=submission,
        # The request's own containers around the shared grids: a view may add to or drop from them.
        sections=[(section, list(grids)) for section, grids in catalogue.sections],
        grids=dict(catalogue.grids),
        rules=list(catalogue.rules),
        values=_own_values_by_cell(submission.pk, catalogue.grids),
        previous=previous,
        previous_values=_previous_by_cell(previous.pk) if previous else {},
        explanations={e.key: e for e in Explanation.objects.filter(submission=submission)},
        catalogue=catalogue,
    )
