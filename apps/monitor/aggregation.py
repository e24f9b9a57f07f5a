"""Aggregate the approved figures of editions in the database.

Every sum over organisations is one GROUP BY query (Sum and Count per indicator x row x column), so
the number of queries never depends on the number of organisations. Blank is not zero:

* a sum over organisations that are all unknown is unknown (``number is None``);
* a sum that leaves out an approved organisation of the form without a number for that cell is
  *incomplete*: the true figure is at least the sum shown;
* a blank total whose parts are all known is *derived* (the sum of the parts) and marked so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db.models import Count, Sum

from apps.partners.models import OrganisationKind, Subregion
from apps.submissions.grid import CellKey, Grid, build_grid
from apps.submissions.models import Category, Dimension, Edition, Indicator, Section, Submission, Value

APPROVED = Submission.Status.APPROVED
NUMERIC_KINDS = (Indicator.Kind.COUNT, Indicator.Kind.BOOLEAN)
AREA_FIELDS = {"subregion": "organisation__subregion", "kind": "organisation__kind"}


@dataclass(frozen=True)
class Cell:
    """One aggregated figure."""

    number: int | None = None
    incomplete: bool = False  # some approved organisations gave no number: the figure is a lower bound
    derived: bool = False  # a blank total filled in as the sum of its known parts
    asked: bool = True  # False: the indicator or category did not exist in that edition

    @property
    def is_blank(self) -> bool:
        return self.number is None


BLANK = Cell()
NOT_ASKED = Cell(asked=False)


def combine(cells: Iterable[Cell]) -> Cell:
    """The sum of cells: blank when all are blank, incomplete when any of them is blank or incomplete."""
    cells = list(cells)
    if not cells or not any(c.asked for c in cells):
        return NOT_ASKED
    known = [c for c in cells if c.number is not None]
    if not known:
        return BLANK
    return Cell(
        number=sum(c.number for c in known),
        incomplete=len(known) < len(cells) or any(c.incomplete for c in known),
        derived=any(c.derived for c in known),
    )


def cell_from(total: int | None, known: int, expected: int) -> Cell:
    """A cell from a GROUP BY row: `known` organisations gave a number, `expected` were approved."""
    if not expected or not known or total is None:
        return BLANK
    return Cell(number=int(total), incomplete=known < expected)


def derive_totals(grid: Grid, cells: dict[CellKey, Cell]) -> None:
    """Fill blank totals whose parts are all known with their sum (repeated: totals of totals)."""
    for _ in range(3):
        changed = False
        for total_key, parts in grid.totals:
            if not parts or cells.get(total_key, BLANK).number is not None:
                continue
            part_cells = [cells.get(p, BLANK) for p in parts]
            if all(c.number is not None for c in part_cells):
                cells[total_key] = replace(combine(part_cells), derived=True)
                changed = True
        if not changed:
            return


@dataclass
class EditionData:
    """The catalogue snapshot and the aggregated approved figures of one edition."""

    edition: Edition
    indicators: dict[str, Indicator]
    grids: dict[str, Grid]
    categories: dict[str, list[Category]]  # dimension code -> categories in order
    approved: dict[str, int]  # form code -> number of approved submissions
    cells: dict[str, dict[CellKey, Cell]] = field(default_factory=dict)

    @property
    def year(self) -> int:
        return self.edition.year

    def form_of(self, code: str) -> str:
        return self.indicators[code].section.form.code

    def cell(self, code: str, key: CellKey) -> Cell:
        if code not in self.indicators:
            return NOT_ASKED
        return self.cells.get(code, {}).get(key, BLANK)

    def has_approved(self, code: str) -> bool:
        return code in self.indicators and self.approved.get(self.form_of(code), 0) > 0


def _catalogues(editions: dict[int, Edition], data: dict[int, EditionData]) -> None:
    """Fill in the indicators, grids and categories of the editions.

    Four flat queries, and the related objects attached by hand: selecting them with joins made
    five model instances per indicator, a third of the time of a whole aggregation.
    """
    year_of = {edition.pk: year for year, edition in editions.items()}
    dimensions = {d.pk: d for d in Dimension.objects.filter(edition_id__in=list(year_of))}
    for dimension in dimensions.values():
        dimension.edition = editions[year_of[dimension.edition_id]]
    by_dimension: dict[int, list[Category]] = defaultdict(list)
    for category in Category.objects.filter(dimension_id__in=list(dimensions)).order_by("dimension_id", "order", "pk"):
        dimension = dimensions[category.dimension_id]
        category.dimension = dimension
        by_dimension[dimension.pk].append(category)
        data[year_of[dimension.edition_id]].categories[dimension.code].append(category)
    sections = {s.pk: s for s in Section.objects.filter(form__edition_id__in=list(year_of)).select_related("form")}
    for indicator in Indicator.objects.filter(edition_id__in=list(year_of)):
        entry = data[year_of[indicator.edition_id]]
        indicator.edition = entry.edition
        indicator.section = sections[indicator.section_id]
        indicator.row_dimension = dimensions.get(indicator.row_dimension_id)
        indicator.col_dimension = dimensions.get(indicator.col_dimension_id)
        entry.indicators[indicator.code] = indicator
        entry.grids[indicator.code] = build_grid(indicator, by_dimension)


def load_editions(years: Iterable[int]) -> dict[int, EditionData]:
    """Catalogue and aggregated approved figures of the editions, in seven queries whatever their size."""
    years = sorted(set(years))
    editions = {e.year: e for e in Edition.objects.filter(year__in=years)}
    data = {
        year: EditionData(edition=edition, indicators={}, grids={}, categories=defaultdict(list), approved={})
        for year, edition in editions.items()
    }
    _catalogues(editions, data)
    approved = (
        Submission.objects.filter(edition__year__in=years, status=APPROVED)
        .values("edition__year", "form__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in approved:
        data[row["edition__year"]].approved[row["form__code"]] = row["n"]

    # Grouped by ids, not by year and code: no join to the edition and indicator tables, and the
    # database hashes integers instead of strings (about three times faster on 1,000 organisations).
    edition_years = {entry.edition.pk: year for year, entry in data.items()}
    numeric = {  # indicator id -> (its edition's data, code, approved submissions of its form)
        indicator.pk: (entry, indicator.code, entry.approved.get(indicator.section.form.code, 0))
        for entry in data.values()
        for indicator in entry.indicators.values()
        if indicator.kind in NUMERIC_KINDS
    }
    sums = (
        Value.objects.filter(
            submission__edition_id__in=list(edition_years), submission__status=APPROVED, indicator_id__in=list(numeric)
        )
        .values_list("indicator_id", "row", "col")  # an indicator belongs to one edition
        .annotate(total=Sum("number"), known=Count("number"))
        .order_by()
    )
    for indicator_id, row, col, total, known in sums:
        entry, code, expected = numeric[indicator_id]
        entry.cells.setdefault(code, {})[(row, col)] = cell_from(total, known, expected)
    for entry in data.values():
        for code, grid in entry.grids.items():
            if grid.indicator.kind == Indicator.Kind.COUNT and entry.has_approved(code):
                derive_totals(grid, entry.cells.setdefault(code, {}))
    return data


def area_choices(area_field: str) -> list[tuple[str, str]]:
    """The areas of a breakdown, in the order the monitor prints them."""
    choices = Subregion.choices if area_field == "subregion" else OrganisationKind.choices
    return [(str(value), str(label)) for value, label in choices]


def load_area_breakdown(
    entry: EditionData, codes: Iterable[str], area_field: str
) -> dict[str, dict[str, dict[CellKey, Cell]]]:
    """{area: {indicator code: {cell: Cell}}} for one edition, by subregion or organisation kind.

    Two GROUP BY queries (approved submissions per area and form, sums per area and cell).
    """
    codes = [c for c in codes if c in entry.indicators]
    if not codes:
        return {}
    lookup = AREA_FIELDS[area_field]
    forms = {entry.form_of(c) for c in codes}
    expected: dict[tuple[str, str], int] = {}
    for row in (
        Submission.objects.filter(edition=entry.edition, status=APPROVED, form__code__in=forms)
        .values("form__code", lookup)
        .annotate(n=Count("id"))
        .order_by()
    ):
        expected[(row[lookup], row["form__code"])] = row["n"]
    result: dict[str, dict[str, dict[CellKey, Cell]]] = defaultdict(lambda: defaultdict(dict))
    by_id = {entry.indicators[code].pk: code for code in codes}
    for area, indicator_id, row, col, total, known in (
        Value.objects.filter(submission__edition=entry.edition, submission__status=APPROVED, indicator_id__in=list(by_id))
        .values_list(f"submission__{lookup}", "indicator_id", "row", "col")
        .annotate(total=Sum("number"), known=Count("number"))
        .order_by()
    ):
        code = by_id[indicator_id]
        n = expected.get((area, entry.form_of(code)), 0)
        result[area][code][(row, col)] = cell_from(total, known, n)
    for area, _label in area_choices(area_field):
        for code in codes:
            if expected.get((area, entry.form_of(code)), 0) and entry.indicators[code].kind == Indicator.Kind.COUNT:
                derive_totals(entry.grids[code], result[area][code])
    areas = [area for area, __ in area_choices(area_field)]
    areas += [area for area in list(result) if area not in areas]
    return {area: dict(result[area]) for area in areas}


# -- completeness ----------------------------------------------------------------------------------


@dataclass
class FormCompleteness:
    code: str
    title: str
    included: list[str] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (organisation, status label)

    @property
    def expected(self) -> int:
        return len(self.included) + len(self.missing)


@dataclass
class Completeness:
    """Which organisations' figures an edition includes (approved) and which are missing, per form."""

    year: int
    forms: list[FormCompleteness] = field(default_factory=list)

    @property
    def included_count(self) -> int:
        return sum(len(f.included) for f in self.forms)

    @property
    def expected_count(self) -> int:
        return sum(f.expected for f in self.forms)

    @property
    def is_complete(self) -> bool:
        return self.included_count == self.expected_count

    @property
    def missing_count(self) -> int:
        return self.expected_count - self.included_count


def load_completeness(years: Iterable[int]) -> dict[int, Completeness]:
    """Completeness of the editions in one query."""
    years = list(years)
    result = {year: Completeness(year=year) for year in years}
    labels = dict(Submission.Status.choices)
    rows = (
        Submission.objects.filter(edition__year__in=years)
        .order_by("edition__year", "form__order", "organisation__name")
        .values_list("edition__year", "form__code", "form__title", "organisation__name", "organisation__short_name", "status")
    )
    for year, code, title, name, short_name, status in rows:
        forms = result[year].forms
        if not forms or forms[-1].code != code:
            forms.append(FormCompleteness(code=code, title=title))
        organisation = short_name or name
        if status == APPROVED:
            forms[-1].included.append(organisation)
        else:
            forms[-1].missing.append((organisation, str(labels.get(status, status))))
    return result


# -- footnotes and narratives -----------------------------------------------------------------------


def load_comments(years: Iterable[int]) -> dict[tuple[int, str, str, str], list[str]]:
    """Footnotes from the comments on approved values: {(year, code, row, col): [text, ...]}."""
    comments: dict[tuple[int, str, str, str], list[str]] = defaultdict(list)
    rows = (
        Value.objects.filter(submission__edition__year__in=list(years), submission__status=APPROVED)
        .exclude(comment="")
        .order_by("submission__organisation__name")
        .values_list("submission__edition__year", "indicator__code", "row", "col", "comment")
    )
    for year, code, row, col, text in rows:
        if text not in comments[(year, code, row, col)]:
            comments[(year, code, row, col)].append(text)
    return dict(comments)


@dataclass
class Narrative:
    code: str
    label: str
    chapter: str
    texts: list[tuple[str, str]] = field(default_factory=list)  # (organisation, text)


def load_narratives(year: int) -> list[Narrative]:
    """The text indicators of an edition's approved submissions, per indicator and organisation."""
    narratives: list[Narrative] = []
    rows = (
        Value.objects.filter(
            submission__edition__year=year, submission__status=APPROVED, indicator__kind=Indicator.Kind.TEXT
        )
        .exclude(text="")
        .order_by("indicator__section__form__order", "indicator__section__order", "indicator__order", "submission__organisation__name")
        .values_list(
            "indicator__code",
            "indicator__label",
            "indicator__chapter",
            "submission__organisation__name",
            "submission__organisation__short_name",
            "text",
        )
    )
    for code, label, chapter, name, short_name, text in rows:
        if not narratives or narratives[-1].code != code:
            narratives.append(Narrative(code=code, label=label, chapter=chapter))
        narratives[-1].texts.append((short_name or name, text))
    return narratives
