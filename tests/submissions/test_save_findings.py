"""A save counts its open findings from the rules the form already ran (issue 17), never wrongly."""

from __future__ import annotations

from django.urls import reverse

from apps.submissions import selectors, services
from apps.submissions.forms import SubmissionForm, field_name
from apps.submissions.models import Submission
from apps.submissions.selectors import load_form_context

IG = "pol_informatieve_gesprekken"
TOTAL = (IG, "_total", "_total")
PART = (IG, "seksueel", "_total")
OTHER = ("pol_aangiftes", "seksueel", "minderjarig")


def _posted(submission) -> dict[str, str]:
    form = SubmissionForm(context=load_form_context(submission))
    return {name: "" if f.initial is None else str(f.initial) for name, f in form.fields.items()}


def _fresh_count(submission) -> int:
    return len(services.open_findings(load_form_context(Submission.objects.get(pk=submission.pk))))


def test_it_counts_the_open_findings_of_a_save_through_the_form(client, politie_coordinator, police_2024):
    data = _posted(police_2024)
    data[field_name("v", PART)] = "9"
    data[field_name("v", TOTAL)] = "2"
    client.force_login(politie_coordinator)
    assert client.post(reverse("submission_form", args=[police_2024.pk]), data).status_code == 302
    police_2024.refresh_from_db()
    assert police_2024.open_findings > 0
    assert police_2024.open_findings == _fresh_count(police_2024)


def test_it_counts_a_colleagues_merged_figures_in_the_open_findings(client, politie_coordinator, police_2024):
    data = _posted(police_2024)  # the page as opened, before the colleague's save
    services.save_values(
        submission_id=police_2024.pk, user=politie_coordinator, explanations={}, base_version=police_2024.version,
        cells={PART: services.CellInput(number=9), TOTAL: services.CellInput(number=2)},
    )
    data[field_name("v", OTHER)] = "4"
    client.force_login(politie_coordinator)
    assert client.post(reverse("submission_form", args=[police_2024.pk]), data).status_code == 302
    police_2024.refresh_from_db()
    assert police_2024.open_findings > 0  # the colleague's mismatch stays and counts
    assert police_2024.open_findings == _fresh_count(police_2024)


def test_it_runs_the_rules_once_for_a_save(client, politie_coordinator, police_2024, monkeypatch):
    runs = []
    evaluate = selectors.evaluate

    def counting(**kwargs):
        runs.append(1)
        return evaluate(**kwargs)

    monkeypatch.setattr(selectors, "evaluate", counting)
    data = _posted(police_2024)
    data[field_name("v", OTHER)] = "4"
    client.force_login(politie_coordinator)
    assert client.post(reverse("submission_form", args=[police_2024.pk]), data).status_code == 302
    assert len(runs) == 1
