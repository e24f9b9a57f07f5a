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

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models import Value as V
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from apps.partners.models import OrganisationKind, Subregion
from apps.submissions.grid import CellKey, Grid, build_grid
from apps.submissions.models import (
    Category,
    Dimension,
    Edition,
    EditionRevision,
    Indicator,
    Section,
    Submission,
    Value,
)

APPROVED = Submission.Status.APPROVED
NUMERIC_KINDS = (Indicator.Kind.COUNT, Indicator.Kind.BOOLEAN)
_CELL_ROWS, _FORM_ROWS = 1, 2  # the two kinds of row of load_editions's one statement
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
    # form code -> approved submissions with at least one figure: the ones a blank cell makes a sum
    # incomplete for. A submission with texts only (or "niets te melden") delivered no figures.
    reporting: dict[str, int] = field(default_factory=dict)

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


@dataclass
class _Catalogue:
    """An edition's catalogue as the aggregation uses it (see _CATALOGUES)."""

    dimensions: list[Dimension]
    indicators: dict[str, Indicator]
    grids: dict[str, Grid]
    categories: dict[str, list[Category]]


# Catalogues built once per process. An edition's catalogue changes only with its
# catalogue_revision (apps/submissions/signals.py raises it on every change of a dimension,
# category, form, section, indicator or rule), so edition, version and revision name it. Building
# one is four queries and some 400 model instances an edition: for three editions as much time as
# the GROUP BY over their figures at 1,000 organisations.
_CATALOGUES: dict[tuple[int, str, int], _Catalogue] = {}
_CATALOGUES_KEPT = 32


def forget_catalogues() -> None:
    """Empty the catalogues kept in this process (tests: a rolled-back edition's id comes back)."""
    _CATALOGUES.clear()


def _catalogue_key(edition: Edition) -> tuple[int, str, int]:
    return (edition.pk, edition.catalogue_version, edition.catalogue_revision)


def _build_catalogues(editions: list[Edition]) -> dict[int, _Catalogue]:
    """The catalogues of the editions, by edition id: four flat queries whatever their number.

    The related objects are attached by hand: selecting them with joins made five model instances
    per indicator, a third of the time of a whole aggregation.
    """
    ids = [edition.pk for edition in editions]
    built = {pk: _Catalogue(dimensions=[], indicators={}, grids={}, categories=defaultdict(list)) for pk in ids}
    dimensions = {d.pk: d for d in Dimension.objects.filter(edition_id__in=ids)}
    for dimension in dimensions.values():
        built[dimension.edition_id].dimensions.append(dimension)
    by_dimension: dict[int, list[Category]] = defaultdict(list)
    for category in Category.objects.filter(dimension_id__in=list(dimensions)).order_by("dimension_id", "order", "pk"):
        dimension = dimensions[category.dimension_id]
        category.dimension = dimension
        by_dimension[dimension.pk].append(category)
        built[dimension.edition_id].categories[dimension.code].append(category)
    sections = {s.pk: s for s in Section.objects.filter(form__edition_id__in=ids).select_related("form")}
    for indicator in Indicator.objects.filter(edition_id__in=ids):
        catalogue = built[indicator.edition_id]
        indicator.section = sections[indicator.section_id]
        indicator.row_dimension = dimensions.get(indicator.row_dimension_id)
        indicator.col_dimension = dimensions.get(indicator.col_dimension_id)
        catalogue.indicators[indicator.code] = indicator
        catalogue.grids[indicator.code] = build_grid(indicator, by_dimension)
    return built


def _catalogues(editions: dict[int, Edition], data: dict[int, EditionData]) -> None:
    """Fill in the indicators, grids and categories of the editions, from the process's catalogues."""
    missing = [edition for edition in editions.values() if _catalogue_key(edition) not in _CATALOGUES]
    if missing:
        if len(_CATALOGUES) + len(missing) > _CATALOGUES_KEPT:
            _CATALOGUES.clear()
        built = _build_catalogues(missing)
        for edition in missing:
            _CATALOGUES[_catalogue_key(edition)] = built[edition.pk]
    for year, edition in editions.items():
        catalogue = _CATALOGUES[_catalogue_key(edition)]
        # The kept objects point at this call's edition (its status and dates are read from them).
        for dimension in catalogue.dimensions:
            dimension.edition = edition
        for indicator in catalogue.indicators.values():
            indicator.edition = edition
        entry = data[year]
        entry.indicators = dict(catalogue.indicators)
        entry.grids = dict(catalogue.grids)
        entry.categories = defaultdict(list, {code: list(items) for code, items in catalogue.categories.items()})


@dataclass
class StandIn:
    """A submission reopened by a correction, as the last published revision has it.

    While a correction runs the monitor keeps showing the published revision: these figures stand
    in for the submission's live (draft or not yet published) values.
    """

    edition_id: int
    form: str
    status: str
    subregion: str
    kind: str
    organisation: str
    values: dict[tuple[str, str, str], int | str]  # (indicator code, row, col) -> number or text

    @property
    def has_figures(self) -> bool:
        return any(isinstance(v, int) for v in self.values.values())


# An approved submission's first figure, None when it holds none (see EditionData.reporting). A
# LIMIT 1 subquery is looked up per submission through the submission index; PostgreSQL planned the
# EXISTS it replaces as one hash over every figure of every edition, a cost that grew with the whole
# database instead of with the submissions counted.
_FIRST_FIGURE = Subquery(Value.objects.filter(submission=OuterRef("pk"), number__isnull=False).values("pk")[:1])


def load_stand_ins(edition_ids: Iterable[int]) -> list[StandIn]:
    """The stand-ins of editions under correction; two queries, none when no correction runs."""
    rows = list(
        Submission.objects.filter(edition_id__in=list(edition_ids), under_correction=True)
        .values_list(
            "edition_id", "organisation__slug", "form__code", "organisation__subregion", "organisation__kind",
            "organisation__short_name", "organisation__name",
        )
    )
    if not rows:
        return []
    latest: dict[int, dict] = {}
    for revision in EditionRevision.objects.filter(edition_id__in={r[0] for r in rows}).order_by("number"):
        latest[revision.edition_id] = revision.figures
    stand_ins = []
    for edition_id, slug, form, subregion, kind, short_name, name in rows:
        figures = latest.get(edition_id, {})
        prefix = f"{slug}|{form}|"
        values = {}
        for key, value in figures.get("values", {}).items():
            if key.startswith(prefix):
                code, row, col = key[len(prefix):].split("|")
                values[(code, row, col)] = value
        status = figures.get("submissions", {}).get(f"{slug}|{form}", "")
        stand_ins.append(StandIn(edition_id, form, status, subregion or "", kind or "", short_name or name, values))
    return stand_ins


def load_editions(years: Iterable[int]) -> dict[int, EditionData]:
    """Catalogue and aggregated approved figures of the editions, in three queries whatever their size.

    The edition rows, one statement for the figures and the approved submissions, and the stand-ins
    of a correction (two more while one runs); a catalogue not yet kept by this process adds four.
    """
    years = sorted(set(years))
    editions = {e.year: e for e in Edition.objects.filter(year__in=years)}
    data = {
        year: EditionData(edition=edition, indicators={}, grids={}, categories=defaultdict(list), approved={})
        for year, edition in editions.items()
    }
    _catalogues(editions, data)
    edition_years = {entry.edition.pk: year for year, entry in data.items()}
    numeric_ids = [i.pk for entry in data.values() for i in entry.indicators.values() if i.kind in NUMERIC_KINDS]
    # One statement for the figures and for who delivered them: the sums per cell of the approved
    # figures and, per edition and form, the approved submissions and those among them with a figure.
    # Grouped by ids, not by year and code: no join to the edition and indicator tables, and the
    # database hashes integers instead of strings (about three times faster on 1,000 organisations).
    cells = (
        Value.objects.filter(
            submission__edition_id__in=list(edition_years),
            submission__status=APPROVED,
            submission__under_correction=False,
            indicator_id__in=numeric_ids,
        )
        .annotate(part=V(_CELL_ROWS))
        .values_list("part", "indicator_id", "row", "col")  # an indicator belongs to one edition
        .annotate(total=Sum("number"), known=Count("number"))
        .order_by()
    )
    forms = (
        Submission.objects.filter(edition_id__in=list(edition_years), status=APPROVED, under_correction=False)
        .annotate(part=V(_FORM_ROWS), code=F("form__code"), nothing=V(""))
        .values_list("part", "edition_id", "code", "nothing")
        .annotate(total=Count("id"), known=Count(_FIRST_FIGURE))
        .order_by()
    )
    sums = []
    for part, ident, row, col, total, known in cells.union(forms, all=True):
        if part == _CELL_ROWS:
            sums.append((ident, row, col, total, known))
            continue
        entry = data[edition_years[ident]]  # a form's row: its approved submissions and those with figures
        entry.approved[row] = total
        if known:
            entry.reporting[row] = known
    stand_ins = [s for s in load_stand_ins(edition_years) if s.status == APPROVED]
    for stand_in in stand_ins:
        entry = data[edition_years[stand_in.edition_id]]
        entry.approved[stand_in.form] = entry.approved.get(stand_in.form, 0) + 1
        if stand_in.has_figures:
            entry.reporting[stand_in.form] = entry.reporting.get(stand_in.form, 0) + 1
    numeric = {  # indicator id -> (its edition's data, code, approved submissions with figures of its form)
        indicator.pk: (entry, indicator.code, entry.reporting.get(indicator.section.form.code, 0))
        for entry in data.values()
        for indicator in entry.indicators.values()
        if indicator.kind in NUMERIC_KINDS
    }
    totals = {(indicator_id, row, col): (total, known) for indicator_id, row, col, total, known in sums}
    _add_stand_ins(totals, stand_ins, {e.edition.pk: e for e in data.values()})
    for (indicator_id, row, col), (total, known) in totals.items():
        entry, code, expected = numeric[indicator_id]
        entry.cells.setdefault(code, {})[(row, col)] = cell_from(total, known, expected)
    for entry in data.values():
        for code, grid in entry.grids.items():
            if grid.indicator.kind == Indicator.Kind.COUNT and entry.has_approved(code):
                derive_totals(grid, entry.cells.setdefault(code, {}))
    return data


def _add_stand_ins(totals: dict, stand_ins: list[StandIn], entries: dict[int, EditionData]) -> None:
    """Add the published figures of submissions under correction to the GROUP BY sums."""
    for stand_in in stand_ins:
        indicators = entries[stand_in.edition_id].indicators
        for (code, row, col), value in stand_in.values.items():
            indicator = indicators.get(code)
            if indicator is None or indicator.kind not in NUMERIC_KINDS or not isinstance(value, int):
                continue
            total, known = totals.get((indicator.pk, row, col), (None, 0))
            totals[(indicator.pk, row, col)] = ((total or 0) + value, known + 1)


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
        Submission.objects.filter(edition=entry.edition, status=APPROVED, under_correction=False, form__code__in=forms)
        .values("form__code", lookup)
        .annotate(n=Count(_FIRST_FIGURE))
        .order_by()
    ):
        if row["n"]:
            expected[(row[lookup], row["form__code"])] = row["n"]
    stand_ins = [
        s for s in load_stand_ins([entry.edition.pk]) if s.status == APPROVED and s.form in forms and s.has_figures
    ]
    for stand_in in stand_ins:
        area_key = (getattr(stand_in, area_field), stand_in.form)
        expected[area_key] = expected.get(area_key, 0) + 1
    result: dict[str, dict[str, dict[CellKey, Cell]]] = defaultdict(lambda: defaultdict(dict))
    by_id = {entry.indicators[code].pk: code for code in codes}
    grouped = {
        (area, indicator_id, row, col): (total, known)
        for area, indicator_id, row, col, total, known in (
            Value.objects.filter(
                submission__edition=entry.edition,
                submission__status=APPROVED,
                submission__under_correction=False,
                indicator_id__in=list(by_id),
            )
            .values_list(f"submission__{lookup}", "indicator_id", "row", "col")
            .annotate(total=Sum("number"), known=Count("number"))
            .order_by()
        )
    }
    for stand_in in stand_ins:
        for (code, row, col), value in stand_in.values.items():
            if code in codes and isinstance(value, int):
                key = (getattr(stand_in, area_field), entry.indicators[code].pk, row, col)
                total, known = grouped.get(key, (None, 0))
                grouped[key] = ((total or 0) + value, known + 1)
    for (area, indicator_id, row, col), (total, known) in grouped.items():
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
    included: list[str] = field(default_factory=list)  # approved: their figures are in the tables
    nothing_to_report: list[tuple[str, str]] = field(default_factory=list)  # (organisation, reason)
    not_applicable: list[tuple[str, str]] = field(default_factory=list)  # (organisation, reason)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (organisation, status label)

    @property
    def complete_without_figures(self) -> int:
        return len(self.nothing_to_report) + len(self.not_applicable)

    @property
    def expected(self) -> int:
        return len(self.included) + self.complete_without_figures + len(self.missing)


@dataclass
class Completeness:
    """Per form, which organisations' figures an edition includes (approved), which were complete
    without figures ("niets te melden", "niet van toepassing") and which are missing."""

    year: int
    forms: list[FormCompleteness] = field(default_factory=list)
    revision: int = 0  # the published revision the figures are (0: not published)
    revision_note: str = ""  # "Herzien op <date> (revisie n), reden: ..." for covers and notes

    @property
    def included_count(self) -> int:
        return sum(len(f.included) for f in self.forms)

    @property
    def nothing_to_report_count(self) -> int:
        return sum(len(f.nothing_to_report) for f in self.forms)

    @property
    def not_applicable_count(self) -> int:
        return sum(len(f.not_applicable) for f in self.forms)

    @property
    def complete_count(self) -> int:
        return self.expected_count - self.missing_count

    @property
    def expected_count(self) -> int:
        return sum(f.expected for f in self.forms)

    @property
    def missing_count(self) -> int:
        return sum(len(f.missing) for f in self.forms)

    @property
    def is_complete(self) -> bool:
        return self.missing_count == 0


def revision_note(revision: EditionRevision) -> str:
    """One line on a revision: what the monitor, the report and the exports print beside the edition."""
    if revision.number <= 1:
        return ""
    date = formats.date_format(timezone.localtime(revision.published_at), "j F Y")
    return _("Herzien op %(date)s (revisie %(n)s), reden: %(reason)s") % {
        "date": date,
        "n": revision.number,
        "reason": revision.reason,
    }


def load_completeness(years: Iterable[int]) -> dict[int, Completeness]:
    """Completeness of the editions in one query (two while a correction runs).

    A submission under correction counts as the last published revision has it.
    """
    years = list(years)
    result = {year: Completeness(year=year) for year in years}
    labels = dict(Submission.Status.choices)
    rows = list(
        Submission.objects.filter(edition__year__in=years)
        .order_by("edition__year", "form__order", "organisation__name")
        .values_list(
            "edition__year", "form__code", "form__title", "organisation__name", "organisation__short_name",
            "status", "completeness_reason", "under_correction", "edition_id", "organisation__slug",
        )
    )
    published: dict[int, dict] = {}
    if any(row[7] for row in rows):
        for revision in EditionRevision.objects.filter(edition__year__in=years).order_by("number"):
            published[revision.edition_id] = revision.figures.get("submissions", {})
    for revision in EditionRevision.objects.filter(edition__year__in=years, number=F("edition__revision")).select_related("edition"):
        result[revision.edition.year].revision = revision.number
        result[revision.edition.year].revision_note = revision_note(revision)
    for year, code, title, name, short_name, status, reason, under_correction, edition_id, slug in rows:
        forms = result[year].forms
        if not forms or forms[-1].code != code:
            forms.append(FormCompleteness(code=code, title=title))
        if under_correction:
            status = published.get(edition_id, {}).get(f"{slug}|{code}", status)
        organisation = short_name or name
        if status == APPROVED:
            forms[-1].included.append(organisation)
        elif status == Submission.Status.NOTHING_TO_REPORT:
            forms[-1].nothing_to_report.append((organisation, reason))
        elif status == Submission.Status.NOT_APPLICABLE:
            forms[-1].not_applicable.append((organisation, reason))
        else:
            forms[-1].missing.append((organisation, str(labels.get(status, status))))
    return result


@dataclass(frozen=True)
class CompletenessCount:
    """How many submissions of an edition its figures include, of how many: the lists of editions."""

    year: int
    included_count: int
    expected_count: int


def load_completeness_counts(years: Iterable[int]) -> dict[int, CompletenessCount]:
    """`Completeness` counted, not listed: one grouped query (and the full lists of an edition under
    correction, whose reopened submissions count as its published revision has them)."""
    years = list(years)
    found = {year: CompletenessCount(year, 0, 0) for year in years}
    correcting = []
    for year, expected, included, reopened in (
        Submission.objects.filter(edition__year__in=years)
        .values_list("edition__year")
        .annotate(
            expected=Count("id"),
            included=Count("id", filter=Q(status=APPROVED)),
            reopened=Count("id", filter=Q(under_correction=True)),
        )
        .order_by()
    ):
        found[year] = CompletenessCount(year, included, expected)
        if reopened:
            correcting.append(year)
    if correcting:
        for year, completeness in load_completeness(correcting).items():
            found[year] = CompletenessCount(year, completeness.included_count, completeness.expected_count)
    return found


# -- footnotes and narratives -----------------------------------------------------------------------


def load_comments(years: Iterable[int]) -> dict[tuple[int, str, str, str], list[str]]:
    """Footnotes from the comments on approved values: {(year, code, row, col): [text, ...]}."""
    comments: dict[tuple[int, str, str, str], list[str]] = defaultdict(list)
    rows = (
        Value.objects.filter(
            submission__edition__year__in=list(years), submission__status=APPROVED, submission__under_correction=False
        )
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
    """The text indicators of an edition's approved submissions, per indicator and organisation.

    During a correction, a reopened submission's texts come from the last published revision.
    """
    narratives: dict[str, Narrative] = {}
    rows = (
        Value.objects.filter(
            submission__edition__year=year,
            submission__status=APPROVED,
            submission__under_correction=False,
            indicator__kind=Indicator.Kind.TEXT,
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
        narratives.setdefault(code, Narrative(code=code, label=label, chapter=chapter)).texts.append((short_name or name, text))
    edition = Edition.objects.filter(year=year).first()
    stand_ins = [s for s in load_stand_ins([edition.pk]) if s.status == APPROVED] if edition else []
    if not stand_ins:
        return list(narratives.values())
    indicators = list(
        Indicator.objects.filter(edition=edition, kind=Indicator.Kind.TEXT)
        .order_by("section__form__order", "section__order", "order")
        .values_list("code", "label", "chapter")
    )
    for stand_in in stand_ins:
        for code, label, chapter in indicators:
            text = stand_in.values.get((code, "", ""))
            if isinstance(text, str) and text:
                narrative = narratives.setdefault(code, Narrative(code=code, label=label, chapter=chapter))
                narrative.texts.append((stand_in.organisation, text))
                narrative.texts.sort(key=lambda t: t[0])
    return [narratives[code] for code, __, __ in indicators if code in narratives]
