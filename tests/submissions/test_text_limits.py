"""Explanations, review remarks and addresses: limits and NUL characters answer with Dutch messages, never 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.submissions import services
from apps.submissions.forms import SubmissionForm
from apps.submissions.models import Explanation, Submission, SubmissionEvent, Value
from apps.submissions.selectors import load_form_context

PARTS = "pol_onderzoeken_273f"


def _page_with_a_warning(submission) -> tuple[dict[str, str], str]:
    """The police form with a part 9 above its total 5 (a sum warning), and that warning's explanation field."""
    form = SubmissionForm(context=load_form_context(submission))
    data = {name: "" if f.initial is None else str(f.initial) for name, f in form.fields.items()}
    data[f"v-{PARTS}-seksueel-"] = "9"
    data[f"v-{PARTS}-_total-"] = "5"
    figures = {**form.context.figures(), (PARTS, "seksueel", ""): 9, (PARTS, "_total", ""): 5}
    # One mismatch gives one warning (a part above its total), whatever its kind.
    (warning,) = [f for f in form.context.findings(figures) if not f.is_error and f.key.split(":")[1] == PARTS]
    return data, f"x-{warning.key}"


@pytest.mark.parametrize(
    ("text", "message"),
    [("Definities\x00verschillen", "nul-teken"), ("x" * 2001, "korter dan 2.000 tekens")],
)
def test_it_refuses_a_bad_explanation_beside_the_field_and_keeps_the_input(
    client, politie_coordinator, police_2024, text, message
):
    data, field = _page_with_a_warning(police_2024)
    client.force_login(politie_coordinator)
    response = client.post(reverse("submission_form", args=[police_2024.pk]), {**data, field: text})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html[html.index(f'id="{field}"'):][:3000]
    assert response.context["form"][f"v-{PARTS}-_total-"].value() == "5"  # the figures typed are still there
    assert not Value.objects.filter(submission=police_2024).exists()
    assert not Explanation.objects.exists()


def test_it_stores_an_explanation_of_exactly_2000_characters(client, politie_coordinator, police_2024):
    data, field = _page_with_a_warning(police_2024)
    client.force_login(politie_coordinator)
    response = client.post(reverse("submission_form", args=[police_2024.pk]), {**data, field: "x" * 2000})
    assert response.status_code == 302
    assert len(Explanation.objects.get().text) == 2000


@pytest.fixture
def submitted(police_2024, politie_coordinator):
    services.save_values(
        submission_id=police_2024.pk, user=politie_coordinator, cells={(PARTS, "seksueel", ""): services.CellInput(number=1)},
        explanations={}, base_version=police_2024.version,
    )
    services.transition(submission_id=police_2024.pk, action=SubmissionEvent.Action.SUBMIT, user=politie_coordinator)
    return Submission.objects.get(pk=police_2024.pk)


@pytest.mark.parametrize(
    ("remark", "message"), [("Klopt\x00dit?", "nul-teken"), ("y" * 2001, "korter dan 2.000 tekens")]
)
def test_it_refuses_a_bad_review_remark_with_a_message_and_keeps_it(client, vera, submitted, remark, message):
    client.force_login(vera)
    response = client.post(
        reverse("review_submission", args=[submitted.pk]),
        {"action": "return", "comment": "Graag nakijken.", f"item-{PARTS}": remark, "item-pol_aangiftes": "Ook deze."},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'value="Ook deze."' in html
    assert Submission.objects.get(pk=submitted.pk).status == Submission.Status.SUBMITTED


def test_it_keeps_the_remarks_when_returning_fails_with_409(client, vera, adam, submitted):
    services.transition(submission_id=submitted.pk, action=SubmissionEvent.Action.APPROVE, user=adam)  # a colleague was first
    client.force_login(vera)
    response = client.post(
        reverse("review_submission", args=[submitted.pk]),
        {"action": "return", "comment": "Graag nakijken.", f"item-{PARTS}": "Totaal klopt niet."},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'value="Totaal klopt niet."' in html and "Graag nakijken." in html


def test_it_gives_an_outsider_404_on_the_review_page(client, charlie, submitted):
    client.force_login(charlie)
    response = client.post(reverse("review_submission", args=[submitted.pk]), {"action": "return", "comment": "x"})
    assert response.status_code in {403, 404}
    assert Submission.objects.get(pk=submitted.pk).status == Submission.Status.SUBMITTED


@pytest.mark.parametrize(
    "address",
    [
        "/beheer/edities/2024/?organisatie=%00",
        "/beheer/audit/?q=%00",
        "/beheer/edities/2024/?kind=a%00b",
        "/admin/partners/auditevent/?action__exact=%00",
        "/admin/partners/auditevent/?q=%00",
    ],
)
def test_it_answers_a_nul_in_the_address_with_a_dutch_400(client, adam, edition_2024, address):
    client.force_login(adam)
    response = client.get(address)
    assert response.status_code == 400
    assert "ongeldig teken" in response.content.decode()


def test_it_still_serves_an_address_with_an_encoded_percent_sign(client, adam, edition_2024):
    client.force_login(adam)
    assert client.get("/beheer/audit/?q=100%25").status_code == 200
