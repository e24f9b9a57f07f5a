import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from apps.partners.models import AuditEvent, Organisation, OrganisationKind
from apps.submissions import services
from apps.submissions.models import Edition, Submission, SubmissionEvent

A = SubmissionEvent.Action


def test_it_hides_staff_pages_from_partners(client, alice, charlie, submission_a):
    urls = [
        reverse("edition_list"),
        reverse("edition_overview", args=[2024]),
        reverse("review_submission", args=[submission_a.pk]),
        reverse("audit_log"),
    ]
    for user in (alice, charlie):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, url
        assert client.post(reverse("edition_change", args=[2024, "publish"])).status_code == 404
    assert Edition.objects.get(year=2024).status == Edition.Status.OPEN


def test_it_shows_the_overview_with_counts_and_filters(client, vera, alice, submission_a):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    client.force_login(vera)
    response = client.get(reverse("edition_overview", args=[2024]))
    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts == {
        "expected": 28, "open": 27, "submitted": 1, "approved": 0, "nothing_to_report": 0, "not_applicable": 0, "late": 0
    }
    html = response.content.decode()
    assert 'data-organisation="gemeente-rotterdam"' in html and "Beoordelen" in html
    filtered = client.get(reverse("edition_overview", args=[2024]), {"kind": "gemeente", "subregion": "zhz"})
    slugs = {row.slug for row in filtered.context["rows"]}
    assert "gemeente-dordrecht" in slugs and "gemeente-rotterdam" not in slugs and "politie-tmm" not in slugs


def test_it_builds_the_overview_in_a_fixed_number_of_queries(client, vera, edition_2024):
    client.force_login(vera)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("edition_overview", args=[2024])).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for n in range(15):
        org = Organisation.objects.create(name=f"Extra gemeente {n}", slug=f"extra-{n}", kind=OrganisationKind.GEMEENTE)
        Submission.objects.create(edition=edition_2024, organisation=org, form=edition_2024.forms.get(code="gemeente"))
    assert count() == before


def test_it_returns_a_submission_with_comments_from_the_review_page(client, vera, alice, submission_a):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    client.force_login(vera)
    url = reverse("review_submission", args=[submission_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Terugsturen met opmerking" in page.content.decode()
    # Without a reason: refused, and what was typed per section stays.
    response = client.post(url, {"action": "return", "comment": "", "item-gem_trainingen": "Welke trainingen?"})
    assert response.status_code == 200  # an input error, shown beside the field
    html = response.content.decode()
    assert "Geef een toelichting" in html and 'value="Welke trainingen?"' in html
    response = client.post(url, {"action": "return", "comment": "Vul de trainingen aan.", "item-gem_trainingen": "Welke trainingen?"})
    assert response.status_code == 302
    submission_a.refresh_from_db()
    assert submission_a.status == Submission.Status.RETURNED
    client.force_login(alice)
    form_page = client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
    assert "Vul de trainingen aan." in form_page and "Welke trainingen?" in form_page
    assert 'data-testid="timeline"' in form_page


def test_it_approves_from_the_review_page_and_the_partner_sees_why_it_is_locked(client, vera, alice, submission_a):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    client.force_login(vera)
    assert client.post(reverse("review_submission", args=[submission_a.pk]), {"action": "approve"}).status_code == 302
    client.force_login(alice)
    html = client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
    assert 'data-testid="lock-reason"' in html and "Goedgekeurd op" in html and escape(vera.get_full_name()) in html


def test_it_lets_a_coordinator_submit_after_confirming(client, alice, bob, charlie, submission_a):
    url = reverse("submission_submit", args=[submission_a.pk])
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    client.force_login(bob)  # contributors edit but do not submit
    assert client.get(url).status_code == 403
    client.force_login(alice)
    assert "definitief indienen" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    submission_a.refresh_from_db()
    assert submission_a.status == Submission.Status.SUBMITTED
    # Submitting twice is refused with a clear message, nothing changes.
    response = client.post(url, follow=True)
    assert "al ingediend" in response.content.decode()
    assert SubmissionEvent.objects.filter(submission=submission_a).count() == 1


def test_it_manages_editions(client, vera):
    client.force_login(vera)
    response = client.post(reverse("edition_list"), {"year": "2025", "opens_on": "2026-01-01", "deadline": "2026-03-01"})
    assert response.status_code == 302
    edition = Edition.objects.get(year=2025)
    assert edition.status == Edition.Status.PREPARATION and edition.forms.count() == 6
    again = client.post(reverse("edition_list"), {"year": "2025"})
    assert "bestaat al" in again.content.decode()
    client.post(reverse("edition_open", args=[2025]))
    assert Submission.objects.filter(edition=edition).count() == 28
    response = client.post(reverse("edition_overview", args=[2025]), {"opens_on": "2026-02-01", "deadline": "2026-01-01"})
    assert "vóór de openingsdatum" in response.content.decode()
    client.post(reverse("edition_close", args=[2025]))
    client.post(reverse("edition_publish", args=[2025]), {"reason": "Test van het beheer"})
    edition.refresh_from_db()
    assert edition.status == Edition.Status.PUBLISHED


def test_it_searches_the_audit_log(client, vera, alice, submission_a):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    client.force_login(vera)
    response = client.get(reverse("audit_log"), {"q": alice.email})
    events = list(response.context["events"])
    assert events and all(e.actor_email == alice.email for e in events)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SUBMITTED).exists()


def test_it_counts_edits_made_after_an_approval(client, vera, alice, submission_a):
    services.transition(submission_id=submission_a.pk, action=A.SUBMIT, user=alice)
    services.transition(submission_id=submission_a.pk, action=A.APPROVE, user=vera)
    services.transition(submission_id=submission_a.pk, action=A.REOPEN, user=vera, comment="Correctie")
    submission_a.refresh_from_db()
    services.save_values(
        submission_id=submission_a.pk,
        user=alice,
        cells={("gem_bestuurlijke_controles", "bouwplaatsen", ""): services.CellInput(number=3)},
        explanations={},
        base_version=submission_a.version,
    )
    client.force_login(vera)
    rows = client.get(reverse("edition_overview", args=[2024])).context["rows"]
    row = next(r for r in rows if r.pk == submission_a.pk)
    assert row.edits_since_approval == 1


def test_it_shows_each_value_change_in_the_timeline(client, alice, bob, submission_a):
    services.save_values(
        submission_id=submission_a.pk,
        user=bob,
        cells={("gem_bestuurlijke_controles", "bouwplaatsen", ""): services.CellInput(number=12)},
        explanations={},
        base_version=submission_a.version,
    )
    client.force_login(alice)
    html = client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
    timeline = html.split('data-testid="timeline"')[1]
    assert "Resultaten bestuurlijke controles – Controles op bouwplaatsen: leeg → 12" in timeline
    assert bob.email in timeline
    client.force_login(bob)  # contributors do not see the timeline
    assert 'data-testid="timeline"' not in client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()


def test_it_counts_open_findings_when_a_submission_is_saved(client, vera, police_2024, politie_coordinator):
    ig = "pol_informatieve_gesprekken"
    cells = {(ig, r, "_total"): services.CellInput(number=v) for r, v in [("seksueel", 5), ("arbeid", 5), ("crimineel", 0), ("overig", 0)]}
    cells[(ig, "_total", "_total")] = services.CellInput(number=11)
    services.save_values(submission_id=police_2024.pk, user=politie_coordinator, cells=cells, explanations={}, base_version=1)
    police_2024.refresh_from_db()
    assert police_2024.open_findings == 1
    client.force_login(vera)
    row = next(r for r in client.get(reverse("edition_overview", args=[2024])).context["rows"] if r.pk == police_2024.pk)
    assert row.open_warnings == 1
    services.save_values(submission_id=police_2024.pk, user=politie_coordinator, cells={},
                         explanations={f"sum:{ig}:_total:_total": "Definitie verschilt."}, base_version=police_2024.version)
    police_2024.refresh_from_db()
    assert police_2024.open_findings == 0


@pytest.mark.parametrize("language", ["nl", "en"])
def test_it_formats_overview_dates_as_django_does(language):
    from django.utils import formats, timezone, translation

    from apps.submissions.overview import _DateFormat

    with translation.override(language):
        fast = _DateFormat()
        for month in range(1, 13):
            value = datetime.datetime(2026, month, 3, 23, 5, tzinfo=datetime.UTC)
            assert fast(value) == formats.date_format(timezone.localtime(value), "j N Y H:i")


def test_it_shows_the_overview_states_in_the_chosen_language(client, vera, edition_2024):
    from django.conf import settings

    client.force_login(vera)
    assert "Niet begonnen" in client.get(reverse("edition_overview", args=[2024])).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("edition_overview", args=[2024])).content.decode()
    assert "Not started" in html and "Niet begonnen" not in html


def test_it_escapes_names_in_the_overview(client, vera, alice, org_a, submission_a):
    org_a.name = org_a.short_name = 'Gemeente <b>"Rotter&dam"</b>'
    org_a.save()
    alice.name = "<script>alert('x')</script>"
    alice.save()
    Submission.objects.filter(pk=submission_a.pk).update(last_edited_by=alice)
    client.force_login(vera)
    html = client.get(reverse("edition_overview", args=[2024])).content.decode()
    assert escape(org_a.short_name) in html and org_a.short_name not in html
    assert escape(alice.name) in html and alice.name not in html
