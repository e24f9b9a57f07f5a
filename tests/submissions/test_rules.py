from collections import defaultdict

import pytest

from apps.submissions.catalogue import load_catalogue
from apps.submissions.grid import build_grid
from apps.submissions.models import TOTAL, Category, Edition, Indicator, Rule
from apps.submissions.rules import evaluate


@pytest.fixture
def catalogue(db):
    edition = Edition.objects.create(year=2023)
    load_catalogue(edition=edition)
    categories = defaultdict(list)
    for c in Category.objects.filter(dimension__edition=edition).order_by("order"):
        categories[c.dimension_id].append(c)
    grids = {i.code: build_grid(i, categories) for i in Indicator.objects.filter(edition=edition)}
    return edition, grids


def _run(catalogue, figures, previous=None, codes=None):
    edition, grids = catalogue
    rules = Rule.objects.filter(indicator__edition=edition)
    if codes:
        rules = rules.filter(indicator__code__in=codes)
    return evaluate(grids=grids, rules=list(rules), figures=figures, previous=previous or {}, previous_year=2022)


IG = "pol_informatieve_gesprekken"


def test_it_accepts_totals_that_add_up(catalogue):
    figures = {(IG, "seksueel", TOTAL): 41, (IG, "crimineel", TOTAL): 14, (IG, "arbeid", TOTAL): 3, (IG, "overig", TOTAL): 0, (IG, TOTAL, TOTAL): 58}
    assert _run(catalogue, figures, codes=[IG]) == []


def test_it_warns_when_the_total_differs_from_the_sum(catalogue):
    figures = {(IG, r, TOTAL): v for r, v in [("seksueel", 19), ("arbeid", 7), ("crimineel", 0), ("overig", 0)]}
    figures[(IG, TOTAL, TOTAL)] = 27
    findings = _run(catalogue, figures, codes=[IG])
    assert [f.key for f in findings] == [f"sum:{IG}:{TOTAL}:{TOTAL}"]
    assert findings[0].severity == "warning"
    assert "27" in findings[0].message and "26" in findings[0].message


def test_it_does_not_warn_about_blank_parts_below_the_total(catalogue):
    """Monitor 2023: aangiftes 19 + 7 with total 27 and the other forms unknown."""
    figures = {(IG, "seksueel", TOTAL): 19, (IG, "arbeid", TOTAL): 7, (IG, TOTAL, TOTAL): 27}
    assert _run(catalogue, figures, codes=[IG]) == []


def test_it_warns_when_known_parts_already_exceed_the_total(catalogue):
    figures = {(IG, "seksueel", TOTAL): 20, (IG, "arbeid", TOTAL): 9, (IG, TOTAL, TOTAL): 27}
    keys = {f.key for f in _run(catalogue, figures, codes=[IG])}
    assert f"sum:{IG}:{TOTAL}:{TOTAL}" in keys


def test_it_warns_when_a_part_exceeds_its_total(catalogue):
    figures = {(IG, "seksueel", "minderjarig"): 30, (IG, "seksueel", TOTAL): 20}
    keys = {f.key for f in _run(catalogue, figures, codes=[IG])}
    assert f"part:{IG}:seksueel:minderjarig" in keys


def test_it_warns_on_large_changes_from_last_year_only_past_both_thresholds(catalogue):
    code = "riec_casussen"
    assert _run(catalogue, {(code, "", ""): 14}, {(code, "", ""): 5}, codes=[code]) == []  # +9: under 10
    assert _run(catalogue, {(code, "", ""): 60}, {(code, "", ""): 45}, codes=[code]) == []  # +15 but 33%
    findings = _run(catalogue, {(code, "", ""): 20}, {(code, "", ""): 4}, codes=[code])
    assert [f.key for f in findings] == [f"yoy:{code}::"]
    assert "2022" in findings[0].message


def test_it_compares_totals_across_indicators(catalogue):
    figures = {("essm_clienten_categorie", TOTAL, TOTAL): 148}
    figures.update({("essm_clienten_gender", r, ""): v for r, v in [("vrouw", 113), ("man", 12), ("overig_onbekend", 23)]})
    assert _run(catalogue, figures, codes=["essm_clienten_gender"]) == []
    figures[("essm_clienten_gender", "man", "")] = 2
    findings = _run(catalogue, figures, codes=["essm_clienten_gender"])
    assert [f.key for f in findings] == ["equal:essm_clienten_gender:essm_clienten_categorie"]


def test_it_reports_error_rules_as_errors(catalogue):
    edition, _ = catalogue
    Rule.objects.filter(indicator__code=IG, kind="sum").update(severity="error")
    figures = {(IG, "seksueel", TOTAL): 5, (IG, "arbeid", TOTAL): 5, (IG, "crimineel", TOTAL): 0, (IG, "overig", TOTAL): 0, (IG, TOTAL, TOTAL): 9}
    findings = _run(catalogue, figures, codes=[IG])
    assert findings and findings[0].is_error


def test_it_treats_blank_and_zero_differently(catalogue):
    """Blank is unknown (no check); 0 is known to be none (checked)."""
    blank = {(IG, TOTAL, TOTAL): 5}
    assert _run(catalogue, blank, codes=[IG]) == []
    zeros = {(IG, r, TOTAL): 0 for r in ["seksueel", "arbeid", "crimineel", "overig"]} | {(IG, TOTAL, TOTAL): 5}
    assert [f.key for f in _run(catalogue, zeros, codes=[IG])] == [f"sum:{IG}:{TOTAL}:{TOTAL}"]


def test_it_gives_one_warning_for_a_part_above_its_total(catalogue):
    """One wrong cell is one thing to explain, not a part warning plus a sum warning."""
    figures = {(IG, "seksueel", "minderjarig"): 30, (IG, "seksueel", TOTAL): 20}
    findings = _run(catalogue, figures, codes=[IG])
    assert [f.key for f in findings] == [f"part:{IG}:seksueel:minderjarig"]


def test_it_keeps_the_sum_warning_when_no_single_part_is_above_the_total(catalogue):
    figures = {(IG, "seksueel", "minderjarig"): 15, (IG, "seksueel", "meerderjarig"): 10, (IG, "seksueel", TOTAL): 20}
    findings = _run(catalogue, figures, codes=[IG])
    assert [f.key for f in findings] == [f"sum:{IG}:seksueel:{TOTAL}"]
