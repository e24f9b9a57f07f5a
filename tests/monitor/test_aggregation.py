"""Aggregation in the database: blank stays blank, zero stays zero, unknowns make a sum incomplete."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.monitor import aggregation, services
from apps.monitor.aggregation import BLANK, Cell, combine
from apps.partners.models import Organisation
from apps.submissions.models import TOTAL, Form, Indicator, Submission
from tests.monitor.conftest import fill, make_edition, submission

CTRL = "gem_bestuurlijke_controles"


def test_it_sums_approved_figures_and_keeps_blank_apart_from_zero(db):
    edition = make_edition(2024)
    fill(
        submission(edition, "gemeente-rotterdam", "gemeente"),
        {(CTRL, "bouwplaatsen", ""): 3, (CTRL, "dossiers_nla", ""): 0, (CTRL, "boetes_nla", ""): None, (CTRL, "misstanden", ""): 4},
    )
    fill(
        submission(edition, "gemeente-dordrecht", "gemeente"),
        {(CTRL, "bouwplaatsen", ""): 2, (CTRL, "dossiers_nla", ""): 0, (CTRL, "boetes_nla", ""): None},
    )
    # A draft never counts, whatever it holds.
    fill(submission(edition, "gemeente-schiedam", "gemeente"), {(CTRL, "bouwplaatsen", ""): 100}, approve=False)

    data = aggregation.load_editions([2024])[2024]
    assert data.approved["gemeente"] == 2
    assert data.cell(CTRL, ("bouwplaatsen", "")) == Cell(number=5)
    assert data.cell(CTRL, ("dossiers_nla", "")) == Cell(number=0)  # known to be none
    assert data.cell(CTRL, ("boetes_nla", "")) == BLANK  # all unknown: unknown, not 0
    assert data.cell(CTRL, ("leegstaande_woningen", "")) == BLANK  # no row at all: unknown too
    assert data.cell(CTRL, ("misstanden", "")) == Cell(number=4, incomplete=True)  # Dordrecht gave none
    # Nobody approved the police form yet: everything of it is blank.
    assert data.cell("pol_aangiftes", (TOTAL, TOTAL)) == BLANK


def test_it_derives_a_blank_total_only_when_every_part_is_known(db):
    edition = make_edition(2024)
    fill(
        submission(edition, "politie-tmm", "politie"),
        {
            ("pol_aangiftes", "seksueel", TOTAL): 3,
            ("pol_aangiftes", "arbeid", TOTAL): 2,
            ("pol_aangiftes", "crimineel", TOTAL): 0,
            ("pol_aangiftes", "overig", TOTAL): 1,
            ("pol_informatieve_gesprekken", "seksueel", TOTAL): 5,
            ("pol_informatieve_gesprekken", "arbeid", TOTAL): None,
        },
    )
    data = aggregation.load_editions([2024])[2024]
    assert data.cell("pol_aangiftes", (TOTAL, TOTAL)) == Cell(number=6, derived=True)
    assert data.cell("pol_aangiftes", (TOTAL, "minderjarig")) == BLANK  # its parts are unknown
    assert data.cell("pol_informatieve_gesprekken", (TOTAL, TOTAL)) == BLANK  # one part is unknown


def test_it_combines_cells_without_turning_blank_into_zero():
    assert combine([BLANK, BLANK]) == BLANK
    assert combine([Cell(number=2), BLANK]) == Cell(number=2, incomplete=True)
    assert combine([Cell(number=2), Cell(number=0)]) == Cell(number=2)
    assert combine([Cell(number=2, derived=True)]) == Cell(number=2, derived=True)


def test_it_maps_a_category_that_changed_between_editions_with_its_footnote(db):
    old, new = make_edition(2022), make_edition(2023)
    fill(
        submission(old, "humanitas-essm", "essm"),
        {
            ("essm_clienten_categorie", "seksueel", "min18"): 10,
            ("essm_clienten_categorie", "jeugdprostitutie", "min18"): 4,
        },
    )
    fill(submission(new, "humanitas-essm", "essm"), {("essm_clienten_categorie", "seksueel", "min18"): 12})
    report = services.build_report(edition=new, published_only=False, chapters=["essm_hulpverlening"])
    table = report.chapter("essm_hulpverlening").table("essm_clienten_categorie")
    row = next(r for r in table.rows if r.key == ("seksueel", "min18"))
    assert table.columns == ["2023", "2022"]
    # 2022's jeugdprostitutie now counts under seksuele uitbuiting, so the years compare.
    assert [c.number for c in row.cells] == [12, 14]
    assert not any(r.key[0] == "jeugdprostitutie" for r in table.rows)
    assert row.notes and "jeugdprostitutie" in table.notes[0].text


def test_it_breaks_municipal_figures_down_by_subregion(db):
    edition = make_edition(2024)
    fill(submission(edition, "gemeente-rotterdam", "gemeente"), {(CTRL, "bouwplaatsen", ""): 7})
    fill(submission(edition, "gemeente-schiedam", "gemeente"), {(CTRL, "bouwplaatsen", ""): 2})
    fill(submission(edition, "gemeente-vlaardingen", "gemeente"), {(CTRL, "bouwplaatsen", ""): 3})
    report = services.build_report(edition=edition, published_only=False, chapters=["gemeenten"])
    breakdown = report.chapter("gemeenten").table(f"{CTRL}-subregion")
    row = next(r for r in breakdown.rows if r.key == ("bouwplaatsen", ""))
    assert breakdown.columns == ["Rotterdam", "Rotterdam-Rijnmond", "Zuid-Holland-Zuid", "Regio (totaal)"]
    assert [c.number for c in row.cells] == [7, 5, None, 12]


def test_it_reports_which_organisations_are_included_and_which_are_missing(db):
    edition = make_edition(2024)
    fill(submission(edition, "gemeente-rotterdam", "gemeente"), {(CTRL, "bouwplaatsen", ""): 1})
    completeness = aggregation.load_completeness([2024])[2024]
    municipal = next(f for f in completeness.forms if f.code == "gemeente")
    assert municipal.included == ["Rotterdam"]
    assert ("Dordrecht", "Concept") in municipal.missing
    assert completeness.included_count == 1
    assert completeness.expected_count == Submission.objects.filter(edition=edition).count()


def test_it_aggregates_in_a_constant_number_of_queries(db):
    edition = make_edition(2024)
    fill(submission(edition, "gemeente-rotterdam", "gemeente"), {(CTRL, "bouwplaatsen", ""): 1})
    aggregation.load_editions([2024])  # the catalogue, kept by the process from now on
    with CaptureQueriesContext(connection) as few:
        aggregation.load_editions([2024])
    form = Form.objects.get(edition=edition, code="gemeente")
    for n in range(5):
        organisation = Organisation.objects.create(name=f"Gemeente Extra {n}", slug=f"extra-{n}", kind="gemeente", subregion="zhz")
        fill(Submission.objects.create(edition=edition, organisation=organisation, form=form), {(CTRL, "bouwplaatsen", ""): n})
    with CaptureQueriesContext(connection) as many:
        data = aggregation.load_editions([2024])[2024]
    assert len(many) == len(few)
    assert data.cell(CTRL, ("bouwplaatsen", "")) == Cell(number=11)


def test_it_reads_a_catalogue_once_and_again_after_it_changed(db):
    edition = make_edition(2024)
    fill(submission(edition, "gemeente-rotterdam", "gemeente"), {(CTRL, "bouwplaatsen", ""): 1})
    with CaptureQueriesContext(connection) as first:
        aggregation.load_editions([2024])
    with CaptureQueriesContext(connection) as kept:
        aggregation.load_editions([2024])
    assert len(kept) == len(first) - 4  # dimensions, categories, sections, indicators

    indicator = Indicator.objects.get(edition=edition, code=CTRL)
    indicator.label = "Bouwplaatsen gecontroleerd"
    indicator.save()  # raises the edition's catalogue revision
    with CaptureQueriesContext(connection) as changed:
        data = aggregation.load_editions([2024])[2024]
    assert len(changed) == len(first)
    assert data.indicators[CTRL].label == "Bouwplaatsen gecontroleerd"


def test_it_counts_completeness_as_the_full_lists_do(db):
    edition = make_edition(2024)
    fill(submission(edition, "gemeente-rotterdam", "gemeente"), {(CTRL, "bouwplaatsen", ""): 1})
    fill(submission(edition, "gemeente-dordrecht", "gemeente"), {(CTRL, "bouwplaatsen", ""): 2}, approve=False)
    full = aggregation.load_completeness([2024])[2024]
    counted = aggregation.load_completeness_counts([2024])[2024]
    assert (counted.included_count, counted.expected_count) == (full.included_count, full.expected_count) == (
        1,
        Submission.objects.filter(edition=edition).count(),
    )


def test_it_counts_a_reopened_submission_as_its_published_revision_has_it(db):
    edition = make_edition(2024)
    rotterdam = fill(submission(edition, "gemeente-rotterdam", "gemeente"), {(CTRL, "bouwplaatsen", ""): 1})
    from django.utils import timezone

    aggregation.EditionRevision.objects.create(
        edition=edition, number=1, published_at=timezone.now(),
        figures={"submissions": {"gemeente-rotterdam|gemeente": "approved"}, "values": {}},
    )
    Submission.objects.filter(pk=rotterdam.pk).update(status=Submission.Status.DRAFT, under_correction=True)
    counted = aggregation.load_completeness_counts([2024])[2024]
    assert counted.included_count == aggregation.load_completeness([2024])[2024].included_count == 1
