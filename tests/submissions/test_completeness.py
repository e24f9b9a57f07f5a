"""Completeness that can reach 100 %: "niets te melden" and "niet van toepassing dit jaar"."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from apps.monitor import aggregation
from apps.monitor.aggregation import Cell
from apps.monitor.exports import completeness_line
from apps.partners.models import AuditEvent
from apps.submissions import services
from apps.submissions.models import Submission, SubmissionEvent
from tests.monitor.conftest import fill, submission

A = SubmissionEvent.Action
S = Submission.Status
CTRL = "gem_bestuurlijke_controles"


def test_it_lets_the_coordinator_say_nothing_to_report_with_a_reason(submission_a, alice):
    services.transition(submission_id=submission_a.pk, action=A.NOTHING_TO_REPORT, user=alice, comment="Geen controles")
    submission_a.refresh_from_db()
    assert submission_a.status == S.NOTHING_TO_REPORT and submission_a.completeness_reason == "Geen controles"
    event = AuditEvent.objects.filter(object_id=str(submission_a.pk)).latest("at")
    assert "Niets te melden" in event.summary and event.data["to"] == S.NOTHING_TO_REPORT


def test_it_needs_a_reason_for_nothing_to_report(submission_a, alice):
    with pytest.raises(services.TransitionNotAllowed, match="toelichting"):
        services.transition(submission_id=submission_a.pk, action=A.NOTHING_TO_REPORT, user=alice, comment=" ")


@pytest.mark.parametrize("who", ["bob", "vic", "charlie", "vera"])
def test_it_lets_no_one_but_the_coordinator_say_nothing_to_report(request, submission_a, who):
    with pytest.raises(PermissionDenied):
        services.transition(
            submission_id=submission_a.pk, action=A.NOTHING_TO_REPORT, user=request.getfixturevalue(who), comment="x"
        )


def test_it_lets_staff_declare_not_applicable_and_undo_it_with_a_reason(submission_a, vera, alice):
    services.transition(submission_id=submission_a.pk, action=A.NOT_APPLICABLE, user=vera, comment="Niet gevraagd in 2024")
    with pytest.raises(PermissionDenied):
        services.transition(submission_id=submission_a.pk, action=A.RESTORE, user=alice, comment="Toch")
    services.transition(submission_id=submission_a.pk, action=A.RESTORE, user=vera, comment="Toch wel gevraagd")
    submission_a.refresh_from_db()
    assert submission_a.status == S.DRAFT and submission_a.completeness_reason == ""


def test_it_locks_a_submission_with_nothing_to_report(submission_a, alice):
    services.transition(submission_id=submission_a.pk, action=A.NOTHING_TO_REPORT, user=alice, comment="Niets")
    with pytest.raises(services.SubmissionLocked, match="compleet zonder cijfers"):
        services.save_values(submission_id=submission_a.pk, user=alice, cells={}, explanations={}, base_version=submission_a.version)


def test_it_refuses_nothing_to_report_in_a_closed_edition(submission_a, alice, vera):
    services.change_edition(edition_id=submission_a.edition_id, move="close", user=vera)
    with pytest.raises(services.TransitionNotAllowed, match="gesloten"):
        services.transition(submission_id=submission_a.pk, action=A.NOTHING_TO_REPORT, user=alice, comment="Niets")


# -- pages --------------------------------------------------------------------------------------------


def test_it_offers_nothing_to_report_on_the_coordinators_form(client, alice, submission_a):
    client.force_login(alice)
    page = client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
    assert reverse("submission_state", args=[submission_a.pk, "nothing_to_report"]) in page


def test_it_marks_nothing_to_report_through_the_page(client, alice, submission_a):
    client.force_login(alice)
    url = reverse("submission_state", args=[submission_a.pk, "nothing_to_report"])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "Geef een reden op." in response.content.decode()
    response = client.post(url, {"reason": "Geen controles dit jaar"})
    assert response.status_code == 302
    assert Submission.objects.get(pk=submission_a.pk).status == S.NOTHING_TO_REPORT


@pytest.mark.parametrize("who", ["charlie", "bob", "vera"])
def test_it_hides_the_nothing_to_report_page_from_others(request, client, submission_a, who):
    client.force_login(request.getfixturevalue(who))
    url = reverse("submission_state", args=[submission_a.pk, "nothing_to_report"])
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert Submission.objects.get(pk=submission_a.pk).status == S.DRAFT


def test_it_shows_the_states_with_their_reason_in_the_staff_overview(client, vera, alice, submission_a, police_2024):
    services.transition(submission_id=submission_a.pk, action=A.NOTHING_TO_REPORT, user=alice, comment="Geen controles")
    services.transition(submission_id=police_2024.pk, action=A.NOT_APPLICABLE, user=vera, comment="Niet gevraagd")
    client.force_login(vera)
    response = client.get(reverse("edition_overview", args=[2024]))
    counts = response.context["counts"]
    assert (counts["nothing_to_report"], counts["not_applicable"]) == (1, 1)
    page = response.content.decode()
    assert "Niets te melden" in page and "Geen controles" in page and "Niet van toepassing dit jaar" in page


def test_it_shows_the_state_on_the_partners_start_page(client, alice, submission_a):
    services.transition(submission_id=submission_a.pk, action=A.NOTHING_TO_REPORT, user=alice, comment="Geen controles")
    client.force_login(alice)
    page = client.get(reverse("organisation_detail", args=["gemeente-rotterdam"])).content.decode()
    assert "Niets te melden" in page


# -- the monitor ------------------------------------------------------------------------------------------


def test_it_does_not_count_nothing_to_report_or_not_applicable_as_missing(submission_a, alice, vera, police_2024):
    services.transition(submission_id=submission_a.pk, action=A.NOTHING_TO_REPORT, user=alice, comment="Niets")
    services.transition(submission_id=police_2024.pk, action=A.NOT_APPLICABLE, user=vera, comment="Niet gevraagd")
    completeness = aggregation.load_completeness([2024])[2024]
    assert completeness.expected_count == 28 and completeness.missing_count == 26
    assert (completeness.nothing_to_report_count, completeness.not_applicable_count) == (1, 1)
    gemeente = next(f for f in completeness.forms if f.code == "gemeente")
    assert ("Rotterdam", "Niets") in gemeente.nothing_to_report
    assert "Rotterdam" not in [name for name, __ in gemeente.missing]


def test_it_keeps_sums_complete_beside_a_partner_with_nothing_to_report(edition_2024, alice, org_b, charlie):
    fill(submission(edition_2024, "gemeente-dordrecht", "gemeente"), {(CTRL, "bouwplaatsen", ""): 7})
    rotterdam = submission(edition_2024, "gemeente-rotterdam", "gemeente")
    services.transition(submission_id=rotterdam.pk, action=A.NOTHING_TO_REPORT, user=alice, comment="Niets")
    data = aggregation.load_editions([2024])[2024]
    assert data.cell(CTRL, ("bouwplaatsen", "")) == Cell(number=7)


def test_it_still_marks_a_sum_incomplete_when_an_approved_partner_left_the_cell_blank(edition_2024):
    fill(submission(edition_2024, "gemeente-dordrecht", "gemeente"), {(CTRL, "bouwplaatsen", ""): 7})
    fill(submission(edition_2024, "gemeente-rotterdam", "gemeente"), {(CTRL, "misstanden", ""): 1})
    data = aggregation.load_editions([2024])[2024]
    assert data.cell(CTRL, ("bouwplaatsen", "")) == Cell(number=7, incomplete=True)


def test_it_keeps_sums_complete_beside_an_approved_submission_with_texts_only(edition_2024):
    fill(submission(edition_2024, "gemeente-dordrecht", "gemeente"), {(CTRL, "bouwplaatsen", ""): 7})
    fill(submission(edition_2024, "gemeente-maassluis", "gemeente"), {("gem_campagnes", "", ""): "Tentoonstelling"})
    data = aggregation.load_editions([2024])[2024]
    assert data.cell(CTRL, ("bouwplaatsen", "")) == Cell(number=7)
    assert data.approved["gemeente"] == 2


def test_it_names_the_states_in_the_exports_completeness_line(submission_a, alice, vera, police_2024):
    services.transition(submission_id=submission_a.pk, action=A.NOTHING_TO_REPORT, user=alice, comment="Niets")
    services.transition(submission_id=police_2024.pk, action=A.NOT_APPLICABLE, user=vera, comment="Niet gevraagd")
    line = completeness_line(aggregation.load_completeness([2024])[2024])
    assert "2 van 28 aanleveringen compleet" in line
    assert "1 niets te melden" in line and "1 niet van toepassing" in line


# -- the demo reads like the printed Mensenhandelmonitor 2023 ----------------------------------------------

# As the seed (the printed monitor, ../shared/seeds/000_e72d65b2f3e9c5ed.txt) prints them.
PRINTED_CONTROLS_2023 = {
    "Controles op bouwplaatsen": "29",
    "Dossiers naar NLA": "18",
    "Boetes NLA": "129",
    "Controle leegstaande woningen": "76",
    "Misstanden geconstateerd": "39",
}
PRINTED_ESSM_CATEGORIES = {  # row: [2023, 2022]
    "Preventief traject 18-": ["15", "5"],
    "Preventief traject 18+": ["11", "22"],
    "Seksuele uitbuiting 18-": ["20", "33"],
    "Seksuele uitbuiting 18+": ["83", "27"],
    "Arbeidsuitbuiting 18+": ["12", "20"],
    "Criminele uitbuiting 18-": ["2", "1"],
    "Totaal slachtoffers": ["148", "137"],
}
# ../shared beside the repository (or beside the worktrees' folder).
_ROOT = Path(__file__).resolve().parents[2]
SEED = next(
    (p for p in (_ROOT.parent / "shared", _ROOT.parent.parent / "shared") if (p / "seeds").exists()), _ROOT.parent / "shared"
) / "seeds" / "000_e72d65b2f3e9c5ed.txt"


@pytest.fixture
def demo(db):
    from apps.submissions.demo import load_demo

    load_demo()


def _table(html: str, code: str) -> dict[str, list[str]]:
    tree = lxml.html.fromstring(html)
    rows = {}
    for tr in tree.get_element_by_id(f"tabel-{code}").iter("tr"):
        for sup in tr.iter("sup"):
            sup.drop_tree()
        th = tr.find("th")
        if th is not None and tr.findall("td"):
            rows[th.text_content().strip()] = [" ".join(td.text_content().split()) for td in tr.findall("td")]
    return rows


def test_it_copied_the_printed_figures_from_the_seed():
    if not SEED.exists():
        pytest.skip("the seed lies outside the repository")
    text = SEED.read_text(encoding="utf-8")
    for label, number in PRINTED_CONTROLS_2023.items():
        assert f"{label}:\t{number}" in text
    for label, (now, before) in PRINTED_ESSM_CATEGORIES.items():
        assert f"{label}\t{now}\t{before}" in text


def test_it_publishes_the_demos_2023_edition_complete(demo):
    completeness = aggregation.load_completeness([2021, 2022, 2023])
    for year in (2021, 2022, 2023):
        assert completeness[year].missing_count == 0, year
    assert completeness[2023].nothing_to_report_count == 1  # Dordrecht, by its coordinator
    assert completeness[2023].not_applicable_count > 0


def test_it_prints_rotterdams_controls_as_plain_numbers_like_the_report(client, vic, demo):
    client.force_login(vic)
    html = client.get(reverse("monitor_chapter", args=[2023, "gemeenten"])).content.decode()
    controls = _table(html, "gem_bestuurlijke_controles")
    assert {label: controls[label][0] for label in PRINTED_CONTROLS_2023} == PRINTED_CONTROLS_2023
    assert "ontbreken" not in html and "ontbreekt:" not in html


def test_it_prints_the_essm_clients_of_2023_and_2022_like_the_report(client, vera, demo):
    # VAR staff see the internal figures; partners see small counts of persons protected (test_disclosure).
    client.force_login(vera)
    html = client.get(reverse("monitor_chapter", args=[2023, "essm_hulpverlening"])).content.decode()
    categories = _table(html, "essm_clienten_categorie")
    for label, cells in PRINTED_ESSM_CATEGORIES.items():
        assert categories[label] == cells, label
    assert "≥" not in " ".join(" ".join(c) for c in categories.values())
