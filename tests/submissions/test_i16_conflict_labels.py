"""A stale save names a conflicting explanation by the warning it answers, never by its internal key."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.partners.models import Organisation, Role
from apps.submissions import services
from apps.submissions.forms import SubmissionForm
from apps.submissions.models import Submission
from apps.submissions.selectors import load_form_context
from tests.conftest import _member

IG = "pol_informatieve_gesprekken"
KEY = f"sum:{IG}:_total:_total"
LABEL = "Toelichting bij Informatieve gesprekken mensenhandel"


@pytest.fixture
def contributor(db):
    return _member("paul@politie.invalid", Organisation.objects.get(slug="politie-tmm"), Role.CONTRIBUTOR)


@pytest.fixture
def warned(police_2024, politie_coordinator) -> Submission:
    """The police draft with a total that is not the sum of its parts: a warning to explain."""
    parts = [("seksueel", 5), ("arbeid", 5), ("crimineel", 0), ("overig", 0)]
    cells = {(IG, row, "_total"): services.CellInput(number=n) for row, n in parts}
    cells[(IG, "_total", "_total")] = services.CellInput(number=11)
    services.save_values(
        submission_id=police_2024.pk, user=politie_coordinator, cells=cells, explanations={},
        base_version=police_2024.version,
    )
    return Submission.objects.get(pk=police_2024.pk)


def _page(submission) -> dict[str, str]:
    form = SubmissionForm(context=load_form_context(Submission.objects.get(pk=submission.pk)))
    return {name: "" if f.initial is None else str(f.initial) for name, f in form.fields.items()}


def test_it_labels_an_explanation_conflict_by_its_warning(warned, politie_coordinator, contributor):
    opened = warned.version
    services.save_values(
        submission_id=warned.pk, user=politie_coordinator, cells={}, explanations={KEY: "Dubbeltelling."},
        base_version=opened,
    )
    with pytest.raises(services.StaleVersion) as error:
        services.save_values(
            submission_id=warned.pk, user=contributor, cells={}, explanations={KEY: "Eén dossier telt twee keer."},
            base_version=opened,
        )

    (conflict,) = error.value.conflicts
    assert conflict.key == KEY
    assert conflict.label.startswith(LABEL) and KEY not in conflict.label
    assert KEY not in " ".join(error.value.changes)


def test_it_shows_the_label_not_the_key_on_the_conflict_page(client, warned, politie_coordinator, contributor):
    coordinator_page, contributor_page = _page(warned), _page(warned)
    url = reverse("submission_form", args=[warned.pk])
    client.force_login(politie_coordinator)
    assert client.post(url, {**coordinator_page, f"x-{KEY}": "Dubbeltelling."}).status_code == 302

    client.force_login(contributor)
    response = client.post(url, {**contributor_page, f"x-{KEY}": "Eén dossier telt twee keer."})

    assert response.status_code == 409
    html = response.content.decode()
    panel = html[html.index('data-testid="conflict"'):html.index("Keuzes opslaan")]
    assert LABEL in panel
    assert f"<legend class=\"card-header h6 mb-0 w-100\">{KEY}" not in panel and f"Toelichting: {KEY}" not in panel


def test_it_names_a_colleagues_explanation_by_its_warning_in_the_kept_changes(warned, politie_coordinator):
    opened = warned.version
    services.save_values(
        submission_id=warned.pk, user=politie_coordinator, cells={}, explanations={KEY: "Dubbeltelling."},
        base_version=opened,
    )

    labels = services.changed_since(load_form_context(Submission.objects.get(pk=warned.pk)), opened)

    assert any(label.startswith(LABEL) for label in labels) and not any(KEY in label for label in labels)
