from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from apps.submissions import services
from apps.submissions.models import Edition, Submission


@pytest.fixture
def edition_2023(db) -> Edition:
    edition = services.create_edition(year=2023, created_by=None)
    services.open_edition(edition=edition, opened_by=None)
    return edition


@pytest.fixture
def edition_2024(db) -> Edition:
    """Open, with its deadline a month ahead (as in the demo)."""
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    edition = services.create_edition(year=2024, created_by=None, deadline=deadline)
    services.open_edition(edition=edition, opened_by=None)
    return edition


@pytest.fixture
def submission_a(edition_2024, org_a) -> Submission:
    """Gemeente Rotterdam's 2024 submission on the gemeente form."""
    return Submission.objects.get(edition=edition_2024, organisation=org_a, form__code="gemeente")


@pytest.fixture
def police_2024(edition_2024) -> Submission:
    return Submission.objects.get(edition=edition_2024, organisation__slug="politie-tmm")


@pytest.fixture
def politie_coordinator(db):
    from apps.partners.models import Organisation, Role
    from tests.conftest import _member

    return _member("petra@politie.invalid", Organisation.objects.get(slug="politie-tmm"), Role.COORDINATOR)


@pytest.fixture
def form_context_loads(monkeypatch) -> list[int]:
    """The submissions whose form context the views and services load, in order."""
    from apps.submissions import selectors, views

    calls: list[int] = []

    def counting(submission):
        calls.append(submission.pk)
        return selectors.load_form_context(submission)

    monkeypatch.setattr(views, "load_form_context", counting)
    monkeypatch.setattr(services, "load_form_context", counting)
    return calls
