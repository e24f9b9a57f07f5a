"""Before submitting: what is filled per section, and which table each open warning belongs to."""

from __future__ import annotations

from django.urls import reverse

from apps.submissions import services
from apps.submissions.completeness import section_counts
from apps.submissions.selectors import load_form_context

IG = "pol_informatieve_gesprekken"


def _save(submission, user, cells, explanations=None):
    submission.refresh_from_db()
    services.save_values(
        submission_id=submission.pk, user=user, cells={k: services.CellInput(number=v) for k, v in cells.items()},
        explanations=explanations or {}, base_version=submission.version,
    )


def test_it_counts_filled_zero_and_blank_per_section_apart(police_2024, politie_coordinator):
    _save(police_2024, politie_coordinator, {(IG, "seksueel", "_total"): 5, (IG, "arbeid", "_total"): 0})
    counts = section_counts(load_form_context(police_2024))
    first = next(c for c in counts if c.filled)
    assert (first.filled, first.zero) == (1, 1)
    assert first.blank == first.total - 2
    assert all(c.is_empty for c in counts if c is not first)


def test_it_shows_the_completeness_summary_before_submitting(client, police_2024, politie_coordinator):
    _save(police_2024, politie_coordinator, {(IG, "seksueel", "_total"): 5})
    client.force_login(politie_coordinator)
    html = client.get(reverse("submission_submit", args=[police_2024.pk])).content.decode()
    assert 'data-testid="completeness"' in html
    assert "helemaal leeg" in html


def test_it_names_and_links_the_table_of_each_open_warning(client, police_2024, politie_coordinator):
    parts = {(IG, r, "_total"): v for r, v in [("seksueel", 5), ("arbeid", 5), ("crimineel", 0), ("overig", 0)]}
    _save(police_2024, politie_coordinator, parts | {(IG, "_total", "_total"): 11})
    client.force_login(politie_coordinator)
    html = client.get(reverse("submission_submit", args=[police_2024.pk])).content.decode()
    form_url = reverse("submission_form", args=[police_2024.pk])
    assert f'<a href="{form_url}#indicator-{IG}">Informatieve gesprekken mensenhandel</a>' in html
    assert "Ja, definitief indienen" not in html


def test_it_hides_the_submit_page_from_outsiders(client, police_2024, charlie):
    client.force_login(charlie)
    assert client.get(reverse("submission_submit", args=[police_2024.pk])).status_code == 404
