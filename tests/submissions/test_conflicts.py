"""Two colleagues on one form: a stale save merges, only real conflicts ask for a choice (issue 11)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.partners.models import Organisation, Role
from apps.submissions import services
from apps.submissions.forms import SubmissionForm
from apps.submissions.models import Submission, Value
from apps.submissions.selectors import load_form_context
from tests.conftest import _member

AANGIFTES = ("pol_aangiftes", "seksueel", "minderjarig")
GESPREKKEN = ("pol_informatieve_gesprekken", "arbeid", "meerderjarig")


def _field(cell) -> str:
    return f"v-{cell[0]}-{cell[1]}-{cell[2]}"


@pytest.fixture
def contributor(db):
    return _member("paul@politie.invalid", Organisation.objects.get(slug="politie-tmm"), Role.CONTRIBUTOR)


@pytest.fixture
def draft(police_2024, politie_coordinator):
    """The 2024 police draft with 41 aangiftes already saved."""
    services.save_values(
        submission_id=police_2024.pk,
        user=politie_coordinator,
        cells={AANGIFTES: services.CellInput(number=41)},
        explanations={},
        base_version=police_2024.version,
    )
    return Submission.objects.get(pk=police_2024.pk)


def _opened_page(submission) -> dict[str, str]:
    """Everything a browser posts back from the form as it was opened now."""
    submission = Submission.objects.get(pk=submission.pk)
    form = SubmissionForm(context=load_form_context(submission))
    return {name: "" if f.initial is None else str(f.initial) for name, f in form.fields.items()}


def _number(submission, cell):
    return Value.objects.get(submission=submission, indicator__code=cell[0], row=cell[1], col=cell[2]).number


def test_it_keeps_the_colleagues_newer_cell_when_a_stale_page_saves_another_cell(
    client, draft, politie_coordinator, contributor
):
    """The issue's scenario: coordinator 41 -> 42; the contributor saves another cell from an older page."""
    coordinator_page, contributor_page = _opened_page(draft), _opened_page(draft)
    url = reverse("submission_form", args=[draft.pk])
    client.force_login(politie_coordinator)
    assert client.post(url, {**coordinator_page, _field(AANGIFTES): "42"}).status_code == 302

    client.force_login(contributor)
    response = client.post(url, {**contributor_page, _field(GESPREKKEN): "7"})

    assert response.status_code == 302  # nothing to choose: only the contributor changed this cell
    assert _number(draft, AANGIFTES) == 42  # the stale 41 on the contributor's page is never written back
    assert _number(draft, GESPREKKEN) == 7
    shown = client.get(url)
    assert "die wijzigingen zijn behouden" in shown.content.decode()
    assert shown.context["form"][_field(AANGIFTES)].value() == "42"


def test_it_shows_a_cell_both_changed_side_by_side_and_saves_nothing(client, draft, politie_coordinator, contributor):
    coordinator_page, contributor_page = _opened_page(draft), _opened_page(draft)
    url = reverse("submission_form", args=[draft.pk])
    client.force_login(politie_coordinator)
    client.post(url, {**coordinator_page, _field(AANGIFTES): "42"})

    client.force_login(contributor)
    response = client.post(url, {**contributor_page, _field(AANGIFTES): "43", _field(GESPREKKEN): "7"})

    assert response.status_code == 409
    html = response.content.decode()
    panel = html[html.index('data-testid="conflict"'):]
    assert 'data-testid="theirs">42<' in panel and 'data-testid="mine">43<' in panel
    assert 'data-testid="last-year"' in panel
    assert _number(draft, AANGIFTES) == 42
    assert not Value.objects.filter(submission=draft, indicator__code=GESPREKKEN[0]).exists()  # nothing saved
    form = response.context["form"]
    assert form[_field(GESPREKKEN)].value() == "7"  # the contributor's own other input is still there
    assert form["version"].value() == str(Submission.objects.get(pk=draft.pk).version)


def test_it_shows_the_colleagues_values_in_cells_only_they_changed_on_the_conflict_page(
    client, draft, politie_coordinator, contributor
):
    coordinator_page, contributor_page = _opened_page(draft), _opened_page(draft)
    url = reverse("submission_form", args=[draft.pk])
    client.force_login(politie_coordinator)
    client.post(url, {**coordinator_page, _field(AANGIFTES): "42", _field(GESPREKKEN): "5"})

    client.force_login(contributor)
    response = client.post(url, {**contributor_page, _field(AANGIFTES): "43"})

    assert response.status_code == 409
    assert response.context["form"][_field(GESPREKKEN)].value() == "5"  # not the stale blank


def _conflict_page(client, draft, politie_coordinator, contributor):
    coordinator_page, contributor_page = _opened_page(draft), _opened_page(draft)
    url = reverse("submission_form", args=[draft.pk])
    client.force_login(politie_coordinator)
    client.post(url, {**coordinator_page, _field(AANGIFTES): "42"})
    client.force_login(contributor)
    response = client.post(url, {**contributor_page, _field(AANGIFTES): "43"})
    data = {k: v for k, v in response.context["form"].data.items() if k != "csrfmiddlewaretoken"}
    data["conflict-cell"] = "|".join(AANGIFTES)
    return url, data


def test_it_asks_again_when_the_conflict_page_is_saved_without_a_choice(client, draft, politie_coordinator, contributor):
    url, data = _conflict_page(client, draft, politie_coordinator, contributor)
    response = client.post(url, data)
    assert response.status_code == 409
    assert "Kies bij elk conflict" in response.content.decode()
    assert _number(draft, AANGIFTES) == 42


@pytest.mark.parametrize(("choice", "kept"), [("theirs", 42), ("mine", 43)])
def test_it_saves_the_value_chosen_on_the_conflict_page(client, draft, politie_coordinator, contributor, choice, kept):
    url, data = _conflict_page(client, draft, politie_coordinator, contributor)
    data[f"keuze-{'|'.join(AANGIFTES)}"] = choice
    assert client.post(url, data).status_code == 302
    assert _number(draft, AANGIFTES) == kept


def test_it_keeps_a_colleagues_newer_explanation_when_a_stale_save_did_not_touch_it(draft, politie_coordinator, contributor):
    opened = draft.version
    services.save_values(
        submission_id=draft.pk, user=politie_coordinator, cells={}, explanations={"k": "Nieuwe uitleg."}, base_version=opened
    )
    services.save_values(
        submission_id=draft.pk, user=contributor, cells={GESPREKKEN: services.CellInput(number=3)},
        explanations={"k": ""}, base_version=opened,
    )
    assert draft.explanations.get(key="k").text == "Nieuwe uitleg."


def test_it_reports_an_explanation_both_changed_as_a_conflict(draft, politie_coordinator, contributor):
    opened = draft.version
    services.save_values(
        submission_id=draft.pk, user=politie_coordinator, cells={}, explanations={"k": "Van de coördinator."}, base_version=opened
    )
    with pytest.raises(services.StaleVersion) as error:
        services.save_values(
            submission_id=draft.pk, user=contributor, cells={}, explanations={"k": "Van de medewerker."}, base_version=opened
        )
    (conflict,) = error.value.conflicts
    assert (conflict.key, conflict.theirs, conflict.mine) == ("k", "Van de coördinator.", "Van de medewerker.")


def test_it_treats_a_version_from_the_future_as_stale_not_as_current(draft, politie_coordinator, contributor):
    opened = draft.version
    services.save_values(
        submission_id=draft.pk, user=politie_coordinator, cells={AANGIFTES: services.CellInput(number=42)},
        explanations={}, base_version=opened,
    )
    with pytest.raises(services.StaleVersion):
        services.save_values(
            submission_id=draft.pk, user=contributor, cells={AANGIFTES: services.CellInput(number=41)},
            explanations={}, base_version=10_000,
        )
    assert _number(draft, AANGIFTES) == 42


def test_it_gives_an_outsider_404_on_the_form(client, draft, charlie):
    client.force_login(charlie)
    assert client.post(reverse("submission_form", args=[draft.pk]), _opened_page(draft)).status_code == 404
