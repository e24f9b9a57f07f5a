"""The review page's comparison rows and findings, written in Python (issue 17): escaped, marked, flagged."""

from __future__ import annotations

from django.urls import reverse

from apps.submissions import services
from apps.submissions.selectors import load_form_context

TOTAL_CELL = ("pol_aangiftes", "_total", "minderjarig")
PART_CELL = ("pol_aangiftes", "seksueel", "minderjarig")


def _save(submission, user, cells, explanations=None):
    submission.refresh_from_db()
    services.save_values(
        submission_id=submission.pk, user=user, cells=cells, explanations=explanations or {},
        base_version=submission.version,
    )


def _page(client, vera, submission) -> str:
    client.force_login(vera)
    return client.get(reverse("review_submission", args=[submission.pk])).content.decode()


def test_it_escapes_a_partners_comment_in_the_comparison(client, vera, police_2024, politie_coordinator):
    _save(police_2024, politie_coordinator, {PART_CELL: services.CellInput(number=3, comment="<b>let op</b>")})
    html = _page(client, vera, police_2024)
    assert '<td class="small">&lt;b&gt;let op&lt;/b&gt;</td>' in html


def test_it_marks_a_row_a_finding_is_about(client, vera, police_2024, politie_coordinator):
    _save(police_2024, politie_coordinator, {PART_CELL: services.CellInput(number=9), TOTAL_CELL: services.CellInput(number=2)})
    assert any(f.cells for f in load_form_context(police_2024).findings())
    assert '<tr class="table-warning"><th scope="row" class="fw-normal">' in _page(client, vera, police_2024)


def test_it_shows_a_warnings_explanation_escaped_and_marked(client, vera, police_2024, politie_coordinator):
    _save(police_2024, politie_coordinator, {PART_CELL: services.CellInput(number=9), TOTAL_CELL: services.CellInput(number=2)})
    warning = next(f for f in load_form_context(police_2024).findings() if not f.is_error)
    _save(police_2024, politie_coordinator, {}, {warning.key: "klopt <echt>"})
    html = _page(client, vera, police_2024)
    assert "<mark>klopt &lt;echt&gt;</mark>" in html
