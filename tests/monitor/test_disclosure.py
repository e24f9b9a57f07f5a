"""Disclosure control: random tables and grids, the attacks of issue 13, boundaries and the audit."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.monitor import disclosure, services
from apps.monitor import suppression as supp
from apps.monitor.suppression import Line, Suppression, audit, protect
from apps.partners import access
from apps.submissions.models import Edition, Submission, Value

from .conftest import fill, make_edition, submission

T = 5


def grid(parts: list[list[int | None]]) -> tuple[dict, list[Line]]:
    """Rows x columns with row totals, column totals and a grand total (sums of the known parts)."""
    values, lines = {}, []
    n_rows, n_cols = len(parts), len(parts[0])
    for r in range(n_rows):
        for c in range(n_cols):
            values[(r, c)] = parts[r][c]
        values[(r, "T")] = sum(v for v in parts[r] if v is not None)
        lines.append(Line(tuple((r, c) for c in range(n_cols)), (r, "T")))
    for c in range(n_cols):
        values[("T", c)] = sum(parts[r][c] for r in range(n_rows) if parts[r][c] is not None)
        lines.append(Line(tuple((r, c) for r in range(n_rows)), ("T", c)))
    values[("T", "T")] = sum(values[(r, "T")] for r in range(n_rows))
    lines.append(Line(tuple((r, "T") for r in range(n_rows)), ("T", "T")))
    lines.append(Line(tuple(("T", c) for c in range(n_cols)), ("T", "T")))
    return values, lines


counts = st.sampled_from([0, 1, 2, 3, 4, 5, 6, 9, 14, 22, 40])
grids = st.integers(min_value=1, max_value=4).flatmap(
    lambda n_cols: st.lists(
        st.lists(st.one_of(st.none(), counts, counts), min_size=n_cols, max_size=n_cols), min_size=1, max_size=4
    )
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids)
def test_it_passes_the_solver_audit_on_random_grids_with_blanks(parts):
    values, lines = grid(parts)
    result = protect(values, lines, T)
    assert {k for k, v in values.items() if supp.is_small(v, T)} <= result.hidden
    assert audit(values, lines, T, result).ok
    assert all(values[k] is not None for k in result.hidden)  # a blank is never "hidden"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), counts), min_size=1, max_size=6))
def test_it_passes_the_solver_audit_on_random_lines(parts):
    values = {i: v for i, v in enumerate(parts)}
    values["T"] = sum(v for v in parts if v is not None) + (3 if None in parts else 0)
    lines = [Line(tuple(range(len(parts))), "T")]
    assert audit(values, lines, T, protect(values, lines, T)).ok


# -- the attacks of the issue (each succeeded against the first version) ------------------------------


def test_it_protects_the_blanks_of_a_line_as_a_count():
    # 2023 aangiftes: total 27, seksueel 19, arbeid 7, criminal and other blank: the blanks hold 1.
    values = {"seksueel": 19, "arbeid": 7, "crimineel": None, "overig": None, "totaal": 27}
    lines = [Line(("seksueel", "arbeid", "crimineel", "overig"), "totaal")]
    assert not audit(values, lines, T, Suppression()).ok  # what the first version published
    result = protect(values, lines, T)
    assert result.hidden == {"arbeid"}  # the smallest cell that lets the blanks be 5 or more
    assert audit(values, lines, T, result).ok


def test_it_protects_a_small_column_total_of_a_grid():
    # 2024: aangiftes minderjarig 4, meerderjarig 26, total 30 (the first version showed 30 - 26).
    values = {"min": 4, "meer": 26, "totaal": 30}
    lines = [Line(("min", "meer"), "totaal")]
    assert not audit(values, lines, T, Suppression(primary={"min"})).ok
    result = protect(values, lines, T)
    assert result.primary == {"min"} and result.secondary == {"meer"}  # a margin, not the headline 30
    assert audit(values, lines, T, result).ok


def test_it_finds_small_counts_narrowed_by_combining_lines():
    # Two <5 cells under a total of 3: each is 1 or 2 (the ESSM 18- and age 60 < 70 attack).
    values = {"a": 1, "b": 2, "rest": 30, "totaal": 33}
    lines = [Line(("a", "b", "rest"), "totaal")]
    narrowed = audit(values, lines, T, Suppression(primary={"a", "b"}))
    assert set(narrowed.failures) == {"a", "b"}
    assert audit(values, lines, T, protect(values, lines, T)).ok


def test_it_keeps_a_five_visible_and_never_shows_a_four():
    values = {"vijf": 5, "vier": 4, "nul": 0}
    result = protect(values, [], T)
    assert result.symbol("vier", T) == "<5"
    assert result.symbol("vijf", T) is None and result.symbol("nul", T) is None


def test_it_shows_figures_that_count_no_persons_as_they_are():
    values = {"casussen": 4, "slachtoffers": 3}
    result = protect(values, [], T, exempt={"casussen"})
    assert result.hidden == {"slachtoffers"}


def test_it_keeps_what_an_earlier_edition_published():
    values = {"a": 3, "b": 20, "c": 9, "totaal": 32}
    lines = [Line(("a", "b", "c"), "totaal")]
    first = protect(values, lines, T)
    assert first.secondary == {"c"}  # the smaller of b and c
    later = protect(values, lines, T, fixed_hidden={"a", "b"}, fixed_visible={"c", "totaal"})
    assert later.hidden == {"a", "b"}  # the earlier pattern, not a new one
    assert audit(values, lines, T, later).ok


def test_it_fails_the_audit_when_a_hidden_cell_is_determined():
    values = {"a": 9, "b": 20, "totaal": 29}
    result = audit(values, [Line(("a", "b"), "totaal")], T, Suppression(secondary={"a"}))
    assert result.failures == {"a": "bepaald: 9"}
    assert result.intervals["a"] == supp.Interval(9, 9)


# -- the demo editions: the seed's figures ------------------------------------------------------------


def _small_person_cells(report) -> list:
    return [
        (table.code, row.label, cell.number)
        for chapter in report.chapters
        for table in chapter.all_tables
        for row in table.rows
        if not row.exempt
        for cell in row.cells
        if supp.is_small(cell.number, T)
    ]


def test_it_protects_every_small_count_of_the_2023_edition_and_proves_it(demo):
    edition = Edition.objects.get(year=2023)
    result = disclosure.protected_report(edition=edition, audience=disclosure.PUBLIC)
    assert set(result.audits) == {2023, 2022, 2021} and all(a.ok for a in result.audits.values())
    assert _small_person_cells(result.report) == []
    riec = result.report.chapter("riec").table("kerncijfers")
    assert riec.rows[0].cells[0].number == 4  # cases, not persons: as the printed monitor shows
    opvang = result.report.chapter("opvang").table("essm_opvang")
    nl = next(r for r in opvang.rows if r.key == ("nl", ""))
    assert nl.cells[0].symbol == "<5"  # "Nederlandse slachtoffers 3" counts clients: persons
    assert result.loss.cells > 0 and 0 < result.loss.share < 0.1


def test_it_shows_partners_the_protected_figures_on_pages_and_charts(client, alice, vera, demo):
    client.force_login(alice)
    for chapter in services.CHAPTERS:
        response = client.get(f"/monitor/2023/{chapter}/")
        assert response.status_code == 200
        assert _small_person_cells(response.context["report"]) == [], chapter
    page = client.get("/monitor/2023/politie/").content.decode()
    assert '<abbr class="figure-hidden"' in page and "&lt;5" in page
    svg = client.get("/monitor/2023/politie/grafiek/pol_informatieve_gesprekken.svg").content.decode()
    assert not re.search(r'<desc class="value">[1-4]</desc>', svg)
    client.force_login(vera)  # VAR staff: the internal figures
    internal = client.get("/monitor/2023/politie/")
    assert _small_person_cells(internal.context["report"])


def test_it_gives_outsiders_404_and_partners_no_internal_figures(client, charlie, demo):
    client.force_login(charlie)
    assert client.get("/monitor/2024/politie/").status_code == 404  # not published
    assert _small_person_cells(client.get("/monitor/2023/politie/").context["report"]) == []


def test_it_shows_the_policy_on_the_edition_page(client, alice, demo):
    client.force_login(alice)
    page = client.get("/monitor/2023/").content.decode()
    assert "Afscherming van kleine aantallen" in page and "Alleen VAR-medewerkers" in page


def test_it_lets_the_policy_open_internal_figures_to_partners(alice, vera, demo):
    edition = Edition.objects.get(year=2023)
    assert access.sees_internal_figures(vera, edition) and not access.sees_internal_figures(alice, edition)
    edition.internal_audience = Edition.InternalAudience.PARTNERS
    assert access.sees_internal_figures(alice, edition)
    assert disclosure.audience_for(alice, edition) == disclosure.INTERNAL


def test_it_states_the_rule_and_the_loss_on_the_public_cover(demo):
    from openpyxl import load_workbook
    from io import BytesIO

    content = services.build_edition_workbook(year=2023, public=True)
    cover = [c.value for row in load_workbook(BytesIO(content))["Voorblad"].iter_rows() for c in row if c.value]
    assert "Informatieverlies" in cover and "Afscherming" in cover
    assert any(isinstance(v, str) and "afgeschermd (" in v for v in cover)


def test_it_refuses_to_build_a_public_workbook_that_fails_the_audit(demo, monkeypatch):
    # A pattern with the small counts only (no secondary cells): the audit must stop the build.
    monkeypatch.setattr(
        disclosure, "protect", lambda values, lines, threshold, **kw: Suppression(
            primary={c for c, v in values.items() if supp.is_small(v, threshold) and c not in kw["exempt"]}
        )
    )
    with pytest.raises(disclosure.DisclosureError):
        services.build_edition_workbook(year=2023, public=True)


def test_it_keys_the_public_build_by_the_policy(demo):
    from apps.monitor.cache import data_fingerprint

    edition = Edition.objects.get(year=2023)
    before = data_fingerprint(edition, "public", "nl")
    Edition.objects.filter(pk=edition.pk).update(disclosure_threshold=10)
    edition.refresh_from_db()
    assert data_fingerprint(edition, "public", "nl") != before
    assert disclosure.policy_for(edition).small_symbol == "<10"


# -- approved figures only ---------------------------------------------------------------------------


def test_it_aggregates_approved_figures_only(db):
    edition = make_edition(2031)
    approved = submission(edition, "gemeente-rotterdam", "gemeente")
    pending = submission(edition, "gemeente-dordrecht", "gemeente")
    fill(approved, {("gem_bestuurlijke_controles", "bouwplaatsen", ""): 7})
    fill(pending, {("gem_bestuurlijke_controles", "bouwplaatsen", ""): 3}, approve=False)
    Submission.objects.filter(pk=pending.pk).update(status=Submission.Status.SUBMITTED)
    report = services.build_report(edition=edition, published_only=False, chapters=["gemeenten"])
    table = report.chapter("gemeenten").table("gem_bestuurlijke_controles")
    row = next(r for r in table.rows if r.key == ("bouwplaatsen", ""))
    assert row.cells[0].number == 7
    assert Value.objects.filter(submission=pending).exists()


@pytest.fixture
def grid_2024(demo) -> Edition:
    """2024 approved and published with aangiftes minderjarig 4, meerderjarig 26, total 30."""
    edition = Edition.objects.get(year=2024)
    police = submission(edition, "politie-tmm", "politie")
    Value.objects.filter(submission=police).delete()
    fill(
        police,
        {
            ("pol_aangiftes", "seksueel", "minderjarig"): 4,
            ("pol_aangiftes", "seksueel", "meerderjarig"): 20,
            ("pol_aangiftes", "arbeid", "minderjarig"): 0,
            ("pol_aangiftes", "arbeid", "meerderjarig"): 6,
            ("pol_aangiftes", "seksueel", "_total"): 24,
            ("pol_aangiftes", "arbeid", "_total"): 6,
            ("pol_aangiftes", "_total", "minderjarig"): 4,
            ("pol_aangiftes", "_total", "meerderjarig"): 26,
            ("pol_aangiftes", "_total", "_total"): 30,
        },
    )
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.PUBLISHED)
    edition.refresh_from_db()
    return edition


def test_it_protects_the_2024_grid_and_keeps_the_2023_pattern(grid_2024):
    result = disclosure.protected_report(edition=grid_2024, audience=disclosure.PUBLIC)
    assert all(a.ok for a in result.audits.values())
    table = result.report.chapter("politie").table("pol_aangiftes")
    by_label = {row.label: row.cells[0] for row in table.rows}
    assert by_label["Totaal aantal aangiftes minderjarig"].symbol == "<5"
    assert getattr(by_label["Totaal aantal aangiftes meerderjarig"], "symbol", None) or getattr(
        by_label["Totaal aantal aangiftes"], "symbol", None
    )  # 30 - 26 no longer gives the 4 away
    earlier = disclosure.protected_report(edition=Edition.objects.get(year=2023), audience=disclosure.PUBLIC)
    for_2023 = {c for c in earlier.suppression.hidden if c[0] == 2023}
    shown_2023 = {
        cid for ch in result.report.chapters for t in ch.all_tables for row in t.rows for cid in row.ids if cid[0] == 2023
    }
    assert for_2023 & shown_2023 <= result.suppression.hidden  # hidden in 2023, hidden in 2024
    assert {c for c in result.suppression.hidden if c[0] == 2023} <= for_2023 | (shown_2023 - {
        cid for ch in earlier.report.chapters for t in ch.all_tables for row in t.rows for cid in row.ids
    })  # and nothing shown in 2023 hidden now


def test_it_reads_which_figures_count_persons_from_the_catalogue(db):
    from apps.submissions.models import Indicator

    edition = make_edition(2032)
    flags = dict(Indicator.objects.filter(edition=edition).values_list("code", "counts_persons"))
    assert not flags["riec_casussen"] and not flags["gem_bestuurlijke_controles"] and not flags["gem_aandachtsfunctionaris"]
    assert flags["pol_aangiftes"] and flags["essm_opvang"] and flags["essm_clienten_categorie"]


def test_it_refuses_a_counts_persons_that_is_not_true_or_false(db, tmp_path):
    from apps.submissions.catalogue import DEFAULT_PATH, CatalogueError, load_catalogue

    text = DEFAULT_PATH.read_text().replace("counts_persons: false  # casussen", "counts_persons: ja  # casussen")
    (tmp_path / "catalogue.yaml").write_text(text)
    with pytest.raises(CatalogueError, match="counts_persons"):
        load_catalogue(edition=Edition.objects.create(year=2033), path=tmp_path / "catalogue.yaml")
