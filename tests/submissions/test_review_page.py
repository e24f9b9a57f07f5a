"""The staff's review page: the decision at the top, changes since the return, the difference in %."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.submissions import services
from apps.submissions.models import Submission, SubmissionEvent
from apps.submissions.review import CompareRow

A = SubmissionEvent.Action
CELL = ("pol_aangiftes", "seksueel", "minderjarig")


def _save(submission, user, number, cell=CELL):
    submission.refresh_from_db()
    services.save_values(
        submission_id=submission.pk, user=user, cells={cell: services.CellInput(number=number)},
        explanations={}, base_version=submission.version,
    )


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [(12, 10, 20), (5, 10, -50), (10, 10, 0), (3, 0, None), (None, 10, None), (4, None, None), (1, 3, -67)],
)
def test_it_gives_the_difference_as_a_percentage_of_last_year(current, previous, expected):
    assert CompareRow("x", current, previous, False, "").percentage == expected


def test_it_shows_the_percentage_beside_the_difference(client, vera, edition_2023, police_2024, politie_coordinator):
    police_2023 = Submission.objects.get(edition=edition_2023, organisation__slug="politie-tmm")
    _save(police_2023, None, 10)
    Submission.objects.filter(pk=police_2023.pk).update(status=Submission.Status.APPROVED)
    _save(police_2024, politie_coordinator, 12)
    client.force_login(vera)
    html = client.get(reverse("review_submission", args=[police_2024.pk])).content.decode()
    assert "+2 <span" in html and "(+20%)" in html


def test_it_shows_the_missing_reason_beside_the_comment_field_above_the_figures(client, vera, alice, submission_a):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    client.force_login(vera)
    url = reverse("review_submission", args=[submission_a.pk])
    response = client.post(url, {"action": "return", "comment": "", "item-gem_trainingen": "Welke trainingen?"})
    assert response.status_code == 200
    html = response.content.decode()
    error, first_section, button = html.index("Geef een toelichting"), html.index('id="rs-'), html.index("Terugsturen met opmerking")
    assert error < first_section and button < first_section
    assert 'value="Welke trainingen?"' in html  # the remark typed per section is kept


def test_it_answers_409_when_the_submission_moved_on(client, vera, alice, submission_a):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    services.transition(submission_id=submission_a.pk, action=A.APPROVE, user=vera)
    client.force_login(vera)
    response = client.post(reverse("review_submission", args=[submission_a.pk]), {"action": "approve", "comment": ""})
    assert response.status_code == 409


def test_it_lists_the_cells_changed_since_the_return(client, vera, police_2024, politie_coordinator):
    _save(police_2024, politie_coordinator, 5)
    _save(police_2024, politie_coordinator, 1, cell=("pol_aangiftes", "arbeid", "minderjarig"))
    services.transition(submission_id=police_2024.pk, action=A.SUBMIT, user=politie_coordinator)
    services.transition(submission_id=police_2024.pk, action=A.RETURN, user=vera, comment="Klopt 5?")
    _save(police_2024, politie_coordinator, 7)
    services.transition(submission_id=police_2024.pk, action=A.SUBMIT, user=politie_coordinator)
    client.force_login(vera)
    response = client.get(reverse("review_submission", args=[police_2024.pk]))
    (change,) = response.context["changes_since"].changes  # the unchanged cell is not listed
    assert (change.before, change.after) == (5, 7)
    assert "Seksuele uitbuiting, Minderjarig" in change.label
    assert 'data-testid="changes-since"' in response.content.decode()


def test_it_shows_no_changes_block_before_any_return(client, vera, police_2024, politie_coordinator):
    _save(police_2024, politie_coordinator, 5)
    services.transition(submission_id=police_2024.pk, action=A.SUBMIT, user=politie_coordinator)
    client.force_login(vera)
    response = client.get(reverse("review_submission", args=[police_2024.pk]))
    assert response.context["changes_since"] is None


def test_it_hides_the_review_page_from_the_organisation_itself(client, alice, submission_a):
    client.force_login(alice)
    assert client.get(reverse("review_submission", args=[submission_a.pk])).status_code == 404


def test_it_names_explanations_in_the_history_by_their_table_not_their_key(client, vera, police_2024, politie_coordinator):
    ig = "pol_informatieve_gesprekken"
    cells = {(ig, r, "_total"): services.CellInput(number=v) for r, v in [("seksueel", 5), ("arbeid", 5)]}
    cells[(ig, "_total", "_total")] = services.CellInput(number=11)
    services.save_values(submission_id=police_2024.pk, user=politie_coordinator, cells=cells, explanations={}, base_version=1)
    key = f"sum:{ig}:_total:_total"
    services.save_values(
        submission_id=police_2024.pk, user=politie_coordinator, cells={}, explanations={key: "Dubbeltelling."}, base_version=2
    )
    client.force_login(vera)
    html = client.get(reverse("review_submission", args=[police_2024.pk])).content.decode()
    assert key not in html
    assert "bij Informatieve gesprekken mensenhandel" in html
