"""Every URL of the application x every role, with the expected status.

A new URL without an entry in MATRIX fails `test_it_has_an_entry_for_every_url`: decide who may
use it before it ships.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.partners.models import Membership
from apps.submissions.models import Submission

ROLES = ["anonymous", "alice", "bob", "vic", "charlie", "vera", "adam"]
LOGIN = 302  # anonymous visitors are sent to the login page


def _row(anonymous, alice, bob, vic, charlie, vera, adam):
    return dict(zip(ROLES, [anonymous, alice, bob, vic, charlie, vera, adam]))


STAFF_ONLY = _row(LOGIN, 404, 404, 404, 404, 200, 200)
STAFF_ONLY_POST = _row(LOGIN, 404, 404, 404, 404, 302, 302)

# name: (method, expected status per role). alice/bob/vic: coordinator/contributor/viewer of A;
# charlie: coordinator of B (the outsider); vera: VAR staff; adam: administrator.
MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "healthz": ("get", _row(200, 200, 200, 200, 200, 200, 200)),
    "home": ("get", _row(LOGIN, 302, 302, 302, 302, 302, 302)),
    "organisation_detail": ("get", _row(LOGIN, 200, 200, 200, 404, 200, 200)),
    "staff_dashboard": ("get", STAFF_ONLY),
    "staff_home": ("get", STAFF_ONLY),
    "staff_organisation": ("get", STAFF_ONLY),
    "invite": ("get", STAFF_ONLY),
    "pending_invitations": ("get", STAFF_ONLY),
    # The matrix's memberships have passwords: nothing to resend, back to the list with a message.
    "resend_membership_invitation": ("post", STAFF_ONLY_POST),
    "change_membership": ("post", STAFF_ONLY_POST),
    "remove_membership": ("post", STAFF_ONLY_POST),
    "submission_form": ("get", _row(LOGIN, 200, 200, 200, 404, 200, 200)),
    # The whole history: for those who see the timeline (staff and who submits), others 404.
    "submission_history": ("get", _row(LOGIN, 200, 404, 404, 404, 200, 200)),
    "submission_submit": ("get", _row(LOGIN, 200, 403, 403, 404, 403, 403)),
    # Only contributors hand a draft to their coordinator.
    "submission_ready": ("post", _row(LOGIN, 403, 302, 403, 404, 403, 403)),
    "submission_excel": ("get", _row(LOGIN, 200, 200, 200, 404, 200, 200)),
    "submission_upload": ("get", _row(LOGIN, 200, 200, 403, 404, 403, 403)),
    # Without an uploaded file in the session there is nothing to confirm: back to the upload page.
    "submission_upload_confirm": ("post", _row(LOGIN, 302, 302, 403, 404, 403, 403)),
    "edition_list": ("get", STAFF_ONLY),
    "edition_overview": ("get", STAFF_ONLY),
    "edition_open": ("post", STAFF_ONLY_POST),
    "edition_change": ("post", STAFF_ONLY_POST),
    "edition_close": ("get", STAFF_ONLY),
    "edition_reopen": ("get", STAFF_ONLY),
    "edition_publish": ("get", STAFF_ONLY),
    "edition_disclosure": ("get", STAFF_ONLY),
    # The matrix's edition is open, not published: staff are sent back to the overview.
    "edition_correction": ("get", _row(LOGIN, 404, 404, 404, 404, 302, 302)),
    # No correction runs in the matrix's edition: staff are sent back to the overview.
    "edition_correction_cancel": ("get", _row(LOGIN, 404, 404, 404, 404, 302, 302)),
    # No revision before publication.
    "edition_revision_csv": ("get", _row(LOGIN, 404, 404, 404, 404, 404, 404)),
    # "Niets te melden" is the coordinator's; staff set "niet van toepassing" instead.
    "submission_state": ("get", _row(LOGIN, 200, 404, 404, 404, 404, 404)),
    "edition_send_reminder": ("post", STAFF_ONLY_POST),
    "review_submission": ("get", STAFF_ONLY),
    "audit_log": ("get", STAFF_ONLY),
    "monitor_index": ("get", _row(LOGIN, 200, 200, 200, 200, 200, 200)),
    # The matrix's 2024 edition is open, not published: only staff see it (published: tests/monitor).
    "monitor_edition": ("get", STAFF_ONLY),
    "monitor_chapter": ("get", STAFF_ONLY),
    "monitor_export_status": ("get", STAFF_ONLY),
    "monitor_export_build": ("post", STAFF_ONLY_POST),
    "monitor_export_progress": ("get", STAFF_ONLY),
    "monitor_export_file": ("get", STAFF_ONLY),
    # Not built (yet) for this data: staff are sent to the status page to build it.
    "monitor_export_download": ("get", _row(LOGIN, 404, 404, 404, 404, 302, 302)),
    # The open 2024 edition has no figures, so no table has a chart.
    "monitor_chart": ("get", _row(LOGIN, 404, 404, 404, 404, 404, 404)),
    # The report as a document: staff only; the matrix's pk is no chapter, hence 404 for staff too.
    "report_internal": ("get", STAFF_ONLY),
    "report_texts": ("get", STAFF_ONLY),
    "report_text_new": ("get", STAFF_ONLY),
    "report_text_edit": ("get", _row(LOGIN, 404, 404, 404, 404, 404, 404)),
    "report_text_remove": ("post", _row(LOGIN, 404, 404, 404, 404, 404, 404)),
    # The public site needs no account; the open 2024 edition is not published: 404 for everyone.
    "public_index": ("get", _row(200, 200, 200, 200, 200, 200, 200)),
    "public_edition": ("get", _row(404, 404, 404, 404, 404, 404, 404)),
    "public_whole": ("get", _row(404, 404, 404, 404, 404, 404, 404)),
    "public_chapter": ("get", _row(404, 404, 404, 404, 404, 404, 404)),
    "public_chart": ("get", _row(404, 404, 404, 404, 404, 404, 404)),
    "public_download": ("get", _row(404, 404, 404, 404, 404, 404, 404)),
    "public_open_data": ("get", _row(404, 404, 404, 404, 404, 404, 404)),
    "public_open_data_index": ("get", _row(404, 404, 404, 404, 404, 404, 404)),
    "public_open_data_file": ("get", _row(404, 404, 404, 404, 404, 404, 404)),
}


def _app_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and namespace is None:
                if p.callback.__module__.startswith("apps."):
                    names.add(p.name)

    walk(get_resolver().url_patterns)
    return names


def test_it_has_an_entry_for_every_url():
    missing = _app_url_names() - set(MATRIX)
    assert not missing, f"Add these URLs to the permission matrix: {sorted(missing)}"
    assert not set(MATRIX) - _app_url_names(), "The matrix names URLs that no longer exist"


def _queued_file(year: int):
    """A file of the edition's internal workbook that a worker is building (no file yet)."""
    from django.utils import timezone

    from apps.monitor.models import CachedFile

    return CachedFile.objects.get_or_create(
        year=year, variant="internal", language="nl", fingerprint="f" * 40,
        defaults={"task_id": "t", "queued_at": timezone.now(), "expires_at": timezone.now(), "filename": "x.xlsx"},
    )[0]  # fmt: skip


def _kwargs(name: str, *, org_a, submission, membership) -> dict:
    candidates = {
        "slug": org_a.slug,
        "year": submission.edition.year,
        "move": "close",
        "chapter": "politie",
        "table": "pol_aangiftes",
        "variant": "internal",
        "anchor": "cijfers-politie",
        "ext": "csv",
        "action": "nothing_to_report",
        "number": 1,
    }
    # The URL's parameter names, from the resolver's reverse lookup table.
    route_kwargs = get_resolver().reverse_dict.getlist(name)[0][0][0][1]
    kwargs = {}
    for key in route_kwargs:
        if key == "file_id":
            kwargs[key] = _queued_file(submission.edition.year).pk
        elif key == "pk":
            kwargs[key] = membership.pk if "membership" in name else submission.pk
        else:
            kwargs[key] = candidates[key]
    return kwargs


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_gives_each_role_the_expected_status(request, client, name, role, alice, bob, vic, charlie, vera, adam, org_a):
    from apps.submissions import services

    edition = services.create_edition(year=2024, created_by=None)
    services.open_edition(edition=edition, opened_by=None)
    submission = Submission.objects.get(edition=edition, organisation=org_a)
    membership = Membership.objects.get(user=bob)
    method, expected = MATRIX[name]
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    url = reverse(name, kwargs=_kwargs(name, org_a=org_a, submission=submission, membership=membership))
    response = getattr(client, method)(url)
    assert response.status_code == expected[role], f"{method.upper()} {url} as {role}"
    if response.status_code == 302 and role == "anonymous":
        assert "/accounts/login/" in response["Location"]
