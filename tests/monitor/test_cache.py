"""Reports are cached under a fingerprint of their data: built once, rebuilt whenever anything changes."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db.models import F
from django.urls import reverse

from apps.monitor import cache as report_cache
from apps.monitor import services
from apps.submissions.catalogue import load_catalogue
from apps.submissions.models import Category, Dimension, Edition, Form, Indicator, Rule, Section


@pytest.fixture
def report_builds(monkeypatch) -> list[tuple[int, tuple]]:
    """Count the reports actually built (not read from the cache)."""
    calls: list[tuple[int, tuple]] = []
    real = services.build_report

    def counting(*, edition, published_only, chapters=None):
        calls.append((edition.year, tuple(chapters or ())))
        return real(edition=edition, published_only=published_only, chapters=chapters)

    monkeypatch.setattr(services, "build_report", counting)
    return calls


def revision(year: int) -> int:
    return Edition.objects.get(year=year).catalogue_revision


def test_it_builds_a_chapter_once_for_the_page_and_its_charts(client, alice, demo, report_builds):
    client.force_login(alice)
    assert client.get(reverse("monitor_chapter", args=[2023, "politie"])).status_code == 200
    assert client.get(reverse("monitor_chapter", args=[2023, "politie"])).status_code == 200
    assert client.get(reverse("monitor_chart", args=[2023, "politie", "pol_aangiftes"])).status_code == 200
    # A partner sees protected figures: protection covers the whole edition and is audited against
    # the editions whose years it shows, so those whole reports are built, once.
    assert report_builds == [(2023, ()), (2022, ()), (2021, ())]


def test_it_builds_a_chapter_once_for_staff_pages_and_charts(client, vera, demo, report_builds):
    client.force_login(vera)
    assert client.get(reverse("monitor_chapter", args=[2023, "politie"])).status_code == 200
    assert client.get(reverse("monitor_chart", args=[2023, "politie", "pol_aangiftes"])).status_code == 200
    assert report_builds == [(2023, ("politie",))]


def test_it_shows_a_catalogue_correction_at_once(client, vera, demo, report_builds):
    # A published edition's catalogue is frozen (tests/test_admin_back_doors.py); the open one is corrected.
    client.force_login(vera)
    url = reverse("monitor_chapter", args=[2024, "politie"])
    assert "Aangiftes mensenhandel" in client.get(url).content.decode()
    indicator = Indicator.objects.get(edition__year=2024, code="pol_aangiftes")
    indicator.label = "Aangiftes mensenhandel (gecorrigeerd)"
    indicator.save()  # what the admin does
    assert "Aangiftes mensenhandel (gecorrigeerd)" in client.get(url).content.decode()
    assert report_builds == [(2024, ("politie",)), (2024, ("politie",))]  # built again after the correction


def test_it_shares_the_report_between_the_workbook_builds(demo, report_builds):
    first = services.build_edition_workbook(year=2023, public=False)
    assert services.build_edition_workbook(year=2023, public=False)[:2] == first[:2] == b"PK"
    services.build_edition_workbook(year=2023, public=True)  # partners' view of the years: its own report
    # ... audited against the published editions whose years it shows
    assert report_builds == [(2023, ()), (2023, ()), (2022, ()), (2021, ())]


def test_it_builds_again_when_a_cached_report_cannot_be_read(demo, report_builds, monkeypatch):
    edition = Edition.objects.get(year=2023)
    report_cache.cached_report(edition=edition, published_only=True, chapters=["politie"])

    def unreadable(*args, **kwargs):
        raise AttributeError("Can't get attribute 'OldTable' on <module 'apps.monitor.tables'>")

    monkeypatch.setattr(cache, "get_many", unreadable)
    report = report_cache.cached_report(edition=edition, published_only=True, chapters=["politie"])
    assert report.chapter("politie").tables
    assert len(report_builds) == 2


@pytest.mark.parametrize("change", ["indicator", "section", "form", "dimension", "category", "rule", "delete category"])
def test_it_raises_the_catalogue_revision_on_every_catalogue_change(demo, change):
    before, other = revision(2024), revision(2023)
    edition = Edition.objects.get(year=2024)  # open: a published catalogue does not change at all
    if change == "indicator":
        Indicator.objects.filter(edition=edition).first().save()
    elif change == "section":
        Section.objects.filter(form__edition=edition).first().save()
    elif change == "form":
        Form.objects.filter(edition=edition).first().save()
    elif change == "dimension":
        Dimension.objects.filter(edition=edition).first().save()
    elif change == "category":
        Category.objects.filter(dimension__edition=edition).first().save()
    elif change == "rule":
        Rule.objects.filter(indicator__edition=edition).first().save()
    else:
        category = Category.objects.create(dimension=Dimension.objects.filter(edition=edition).first(), code="nieuw", label="Nieuw")
        assert revision(2024) == before + 1
        category.delete()
        before += 1
    assert revision(2024) == before + 1
    assert revision(2023) == other  # only the edition whose catalogue changed


def test_it_counts_loading_a_catalogue_as_one_revision(demo):
    before = revision(2024)
    load_catalogue(edition=Edition.objects.get(year=2024))
    assert revision(2024) == before + 1


def test_it_gives_a_new_fingerprint_when_the_catalogue_changes(demo):
    edition = Edition.objects.get(year=2023)
    key = report_cache.data_fingerprint(edition, "public", "nl")
    assert report_cache.data_fingerprint(edition, "public", "nl") == key
    # An earlier year shown beside it: its catalogue is frozen once published, so raise the revision
    # as a correction would.
    Edition.objects.filter(year=2022).update(catalogue_revision=F("catalogue_revision") + 1)
    assert report_cache.data_fingerprint(edition, "public", "nl") != key


def test_it_keeps_the_cached_monitor_while_partners_save_drafts(demo, vera):
    from apps.partners.models import Role
    from apps.submissions import services as submission_services
    from apps.submissions.models import Submission, SubmissionEvent
    from tests.conftest import _member

    edition = Edition.objects.get(year=2024)
    draft = Submission.objects.get(edition=edition, organisation__slug="politie-tmm")
    coordinator = _member("tmm@politie.invalid", draft.organisation, Role.COORDINATOR)
    keys = {v: report_cache.data_fingerprint(edition, v, "nl") for v in ("internal", "public", "raw")}

    submission_services.save_values(
        submission_id=draft.pk,
        user=coordinator,
        cells={("pol_aangiftes", "seksueel", "_total"): submission_services.CellInput(number=4)},
        explanations={},
        base_version=draft.version,
    )
    assert report_cache.data_fingerprint(edition, "internal", "nl") == keys["internal"]
    assert report_cache.data_fingerprint(edition, "public", "nl") == keys["public"]
    assert report_cache.data_fingerprint(edition, "raw", "nl") != keys["raw"]  # the raw export lists drafts too

    draft.refresh_from_db()
    Submission.objects.filter(pk=draft.pk).update(status=Submission.Status.SUBMITTED)
    assert report_cache.data_fingerprint(edition, "internal", "nl") != keys["internal"]  # who is in which state
    event = submission_services.transition(submission_id=draft.pk, action=SubmissionEvent.Action.APPROVE, user=vera)
    assert event.to_status == Submission.Status.APPROVED
    approved = report_cache.data_fingerprint(edition, "internal", "nl")
    assert approved not in keys.values()


def test_it_refreshes_the_monitor_in_the_background_after_an_approval(
    client, vera, demo, report_builds, django_capture_on_commit_callbacks
):
    from apps.partners.models import Role
    from apps.submissions import services as submission_services
    from apps.submissions.models import Submission, SubmissionEvent
    from tests.conftest import _member

    draft = Submission.objects.get(edition__year=2024, organisation__slug="politie-tmm")
    coordinator = _member("tmm@politie.invalid", draft.organisation, Role.COORDINATOR)
    with django_capture_on_commit_callbacks(execute=True):
        submission_services.transition(submission_id=draft.pk, action=SubmissionEvent.Action.SUBMIT, user=coordinator)
    assert report_builds == []  # a submission alone changes nothing the monitor shows
    with django_capture_on_commit_callbacks(execute=True):
        submission_services.transition(submission_id=draft.pk, action=SubmissionEvent.Action.APPROVE, user=vera)
    assert report_builds == [(2024, ())]  # staff's report of the open edition, built by the (eager) task

    client.force_login(vera)
    assert client.get(reverse("monitor_chapter", args=[2024, "politie"])).status_code == 200
    assert client.get(reverse("monitor_chapter", args=[2024, "gemeenten"])).status_code == 200
    assert report_builds == [(2024, ())]  # both chapters read from the refreshed whole report


def test_it_refreshes_the_partners_monitor_when_an_edition_is_published(vera, demo, report_builds, django_capture_on_commit_callbacks):
    from apps.submissions import services as submission_services
    from apps.submissions.models import Submission

    edition = Edition.objects.get(year=2024)
    Submission.objects.filter(edition=edition, organisation__slug="politie-tmm").update(status=Submission.Status.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        submission_services.change_edition(edition_id=edition.pk, move="close", user=vera)
        submission_services.change_edition(edition_id=edition.pk, move="publish", user=vera, reason="Test")
    # Staff's and, now that it is public, the partners'; the protection of the public one covers the
    # published editions beside it too.
    assert report_builds == [(2024, ()), (2024, ()), (2023, ()), (2022, ())]
    fingerprint = report_cache.data_fingerprint(Edition.objects.get(year=2024), "public", "nl")
    assert cache.get(f"monitor:protected:{fingerprint}") is not None  # the public site's, protected


def test_it_never_fails_an_approval_when_the_refresh_fails(vera, demo, monkeypatch, django_capture_on_commit_callbacks):
    from apps.submissions import services as submission_services
    from apps.submissions.models import Submission, SubmissionEvent

    calls = []

    def broken(**kwargs):
        calls.append(kwargs)
        raise RuntimeError("cache down")

    monkeypatch.setattr(report_cache, "refresh_reports", broken)
    submitted = Submission.objects.filter(edition__year=2024).first()
    Submission.objects.filter(pk=submitted.pk).update(status=Submission.Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        event = submission_services.transition(submission_id=submitted.pk, action=SubmissionEvent.Action.APPROVE, user=vera)
    assert Submission.objects.get(pk=submitted.pk).status == Submission.Status.APPROVED
    assert event.to_status == Submission.Status.APPROVED
    assert calls == [{"year": 2024}]  # it did run, and failed


def test_it_asks_for_one_refresh_per_year_when_many_are_approved_at_once(vera, demo, report_builds, django_capture_on_commit_callbacks):
    from django.db import transaction

    from apps.submissions import services as submission_services
    from apps.submissions.models import Submission, SubmissionEvent

    pending = Submission.objects.filter(edition__year=2024)[:3]
    Submission.objects.filter(pk__in=[s.pk for s in pending]).update(status=Submission.Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for submission in pending:
            submission_services.transition(submission_id=submission.pk, action=SubmissionEvent.Action.APPROVE, user=vera)
    assert len([c for c in callbacks if getattr(c, "refresh_year", None) == 2024]) == 1
    assert report_builds == [(2024, ())]


def test_it_does_not_refresh_when_an_edition_without_approved_figures_opens(vera, report_builds, django_capture_on_commit_callbacks):
    from apps.submissions import services as submission_services

    with django_capture_on_commit_callbacks(execute=True):
        edition = submission_services.create_edition(year=2030, created_by=None)
        submission_services.open_edition(edition=edition, opened_by=None)
    assert report_builds == []


def _values_queries(edition) -> int:
    """How many of a fingerprint's queries aggregate the values (the costly part)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        report_cache.data_fingerprint(edition, "internal", "nl")
    return sum('FROM "submissions_value"' in q["sql"] for q in ctx.captured_queries)


def test_it_reads_the_values_part_of_a_fingerprint_once_while_nothing_is_written(demo):
    edition = Edition.objects.get(year=2023)
    assert _values_queries(edition) == 1
    assert _values_queries(edition) == 0


def test_it_reads_the_values_again_after_a_figure_is_saved_outside_the_services(demo):
    from apps.submissions.models import Value

    edition = Edition.objects.get(year=2023)
    key = report_cache.data_fingerprint(edition, "internal", "nl")
    value = Value.objects.filter(submission__edition=edition, submission__status="approved", number__isnull=False).first()
    value.number += 1
    value.save()
    assert _values_queries(edition) == 1
    assert report_cache.data_fingerprint(edition, "internal", "nl") != key


def test_it_notices_a_bulk_update_of_the_figures_once_the_values_part_expires(demo):
    from apps.submissions.models import Value

    edition = Edition.objects.get(year=2023)
    key = report_cache.data_fingerprint(edition, "internal", "nl")
    Value.objects.filter(submission__edition=edition, number__isnull=False).update(number=F("number") + 1)
    assert report_cache.data_fingerprint(edition, "internal", "nl") == key  # within VALUES_SECONDS
    cache.clear()  # VALUES_SECONDS later: the values part has expired
    assert report_cache.data_fingerprint(edition, "internal", "nl") != key
