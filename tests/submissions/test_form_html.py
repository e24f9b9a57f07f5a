"""The form page's tables and findings, written in Python (issue 17): escaped like the template did."""

from __future__ import annotations

from django.urls import reverse

from apps.submissions import services
from apps.submissions.models import Indicator
from apps.submissions.selectors import load_form_context

TOTAL_CELL = ("pol_aangiftes", "_total", "minderjarig")
PART_CELL = ("pol_aangiftes", "seksueel", "minderjarig")


def _page(client, user, submission) -> str:
    client.force_login(user)
    return client.get(reverse("submission_form", args=[submission.pk])).content.decode()


def test_it_escapes_a_stored_comment_in_the_cells_marker(client, politie_coordinator, police_2024):
    services.save_values(
        submission_id=police_2024.pk, user=politie_coordinator, explanations={}, base_version=police_2024.version,
        cells={PART_CELL: services.CellInput(number=3, comment='zie "noot" <b>')},
    )
    html = _page(client, politie_coordinator, police_2024)
    assert 'title="zie &quot;noot&quot; &lt;b&gt;">*</span>' in html


def test_it_escapes_an_indicator_label_in_the_tables_caption(client, politie_coordinator, police_2024):
    indicator = Indicator.objects.get(edition=police_2024.edition, code="pol_aangiftes")
    indicator.label = "Aangiftes <script>"
    indicator.save()
    html = _page(client, politie_coordinator, police_2024)
    assert "Aangiftes &lt;script&gt;" in html and "Aangiftes <script>" not in html


def test_it_escapes_an_explanation_in_its_textarea(client, politie_coordinator, police_2024):
    services.save_values(
        submission_id=police_2024.pk, user=politie_coordinator, explanations={}, base_version=police_2024.version,
        cells={PART_CELL: services.CellInput(number=9), TOTAL_CELL: services.CellInput(number=2)},
    )
    police_2024.refresh_from_db()
    warning = next(f for f in load_form_context(police_2024).findings() if not f.is_error)
    services.save_values(
        submission_id=police_2024.pk, user=politie_coordinator, cells={}, base_version=police_2024.version,
        explanations={warning.key: "</textarea><b>x"},
    )
    html = _page(client, politie_coordinator, police_2024)
    assert f'name="x-{warning.key}" maxlength="2000">&lt;/textarea&gt;&lt;b&gt;x</textarea>' in html
