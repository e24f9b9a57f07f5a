"""Probes: tampering, bad input in every field kind, security headers, concurrency, backups."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading

import pytest
from django.conf import settings
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from apps.submissions import services
from apps.submissions.models import Edition, Submission, SubmissionEvent, Value

CTRL = "gem_bestuurlijke_controles"


@pytest.fixture
def submission_a(db, org_a):
    edition = services.create_edition(year=2024, created_by=None, deadline=timezone.localdate())
    services.open_edition(edition=edition, opened_by=None)
    return Submission.objects.get(edition=edition, organisation=org_a)


def _post(client, submission, data, version=None):
    return client.post(
        reverse("submission_form", args=[submission.pk]),
        {"version": submission.version if version is None else version, **data},
    )


# -- tampering ------------------------------------------------------------------------------------


def test_it_refuses_posts_to_a_published_edition(client, alice, submission_a):
    Edition.objects.filter(pk=submission_a.edition_id).update(status=Edition.Status.PUBLISHED, published_at=timezone.now())
    client.force_login(alice)
    response = _post(client, submission_a, {f"v-{CTRL}-bouwplaatsen-": "5"})
    assert response.status_code == 409 and "gepubliceerd" in response.content.decode()
    assert not Value.objects.exists()


def test_it_ignores_field_names_for_cells_the_form_does_not_have(client, alice, submission_a):
    client.force_login(alice)
    response = _post(
        client,
        submission_a,
        {"v-pol_aangiftes-_total-_total": "99", f"v-{CTRL}-verzonnen-": "3", f"v-{CTRL}-bouwplaatsen-": "5", "submission": "1"},
    )
    assert response.status_code == 302
    assert list(Value.objects.values_list("indicator__code", "row", "number")) == [(CTRL, "bouwplaatsen", 5)]


def test_it_refuses_a_replayed_old_form(client, alice, submission_a):
    client.force_login(alice)
    _post(client, submission_a, {f"v-{CTRL}-bouwplaatsen-": "5"})
    replay = _post(client, submission_a, {f"v-{CTRL}-bouwplaatsen-": "1"}, version=1)
    assert replay.status_code == 409
    assert Value.objects.get().number == 5


@pytest.mark.parametrize("version", ["", "abc", "-1", "99999999999999999999"])
def test_it_refuses_a_tampered_version_field_with_a_message(client, alice, submission_a, version):
    client.force_login(alice)
    response = _post(client, submission_a, {f"v-{CTRL}-bouwplaatsen-": "5"}, version=version)
    assert response.status_code in {200, 409}
    assert not Value.objects.exists()


def test_it_does_not_let_a_partner_approve_by_posting_to_the_review_page(client, alice, submission_a):
    services.transition(submission_id=submission_a.pk, action=SubmissionEvent.Action.SUBMIT, user=alice)
    client.force_login(alice)
    response = client.post(reverse("review_submission", args=[submission_a.pk]), {"action": "approve"})
    assert response.status_code == 404
    submission_a.refresh_from_db()
    assert submission_a.status == Submission.Status.SUBMITTED


# -- bad input ------------------------------------------------------------------------------------

BAD_COUNTS = ["-1", "1.5", "1,5", "1e3", "1E3", "10000000", "٣", "３", "½", "<script>alert(1)</script>", "=1+1", "0x10", "+5", "NaN", "∞"]


@pytest.mark.parametrize("typed", BAD_COUNTS)
def test_it_answers_bad_counts_with_a_message_and_keeps_the_input(client, alice, submission_a, typed):
    client.force_login(alice)
    response = _post(client, submission_a, {f"v-{CTRL}-bouwplaatsen-": typed, f"v-{CTRL}-misstanden-": "7"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"id_v-{CTRL}-bouwplaatsen--error" in html
    assert 'value="7"' in html
    assert "<script>alert(1)</script>" not in html  # escaped, never executed
    assert not Value.objects.exists()


@pytest.mark.parametrize("text", ["<script>alert('x')</script>", "=HYPERLINK(\"http://x\")", "@SUM(A1)", "Ĳsselmonde – café", ""])
def test_it_stores_narratives_as_plain_text(client, alice, submission_a, text):
    client.force_login(alice)
    assert _post(client, submission_a, {"v-gem_trainingen--": text}).status_code == 302
    html = client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
    if text:
        assert Value.objects.get(indicator__code="gem_trainingen").text == text
    assert "<script>alert('x')</script>" not in html


def test_it_refuses_an_overlong_narrative_and_an_unknown_choice(client, alice, submission_a):
    client.force_login(alice)
    response = _post(client, submission_a, {"v-gem_trainingen--": "x" * 10_001, "v-gem_aandachtsfunctionaris--": "misschien"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "korter dan 10.000 tekens" in html and "Kies ja, nee of onbekend" in html
    assert not Value.objects.exists()


# -- headers --------------------------------------------------------------------------------------


def test_it_sends_a_strict_content_security_policy(client, alice, submission_a):
    client.force_login(alice)
    response = client.get(reverse("submission_form", args=[submission_a.pk]))
    policy = response["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode().replace("<script src=", "")


# -- concurrency ----------------------------------------------------------------------------------

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="Row locks need PostgreSQL; SQLite serialises writers (CI runs this on PostgreSQL)."
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_lets_only_one_of_two_simultaneous_approvals_through():
    from tests.conftest import _member, _with_totp, ensure_reference_data

    ensure_reference_data()
    from apps.partners.models import Organisation, Role

    alice = _member("alice@rotterdam.invalid", Organisation.objects.get(slug="gemeente-rotterdam"), Role.COORDINATOR)
    reviewers = [
        _with_totp(_member(f"r{i}@var.invalid", Organisation.objects.get(slug="var"), Role.REVIEWER)) for i in range(2)
    ]
    edition = services.create_edition(year=2024, created_by=None)
    services.open_edition(edition=edition, opened_by=None)
    submission = Submission.objects.get(edition=edition, organisation__slug="gemeente-rotterdam")
    services.transition(submission_id=submission.pk, action=SubmissionEvent.Action.SUBMIT, user=alice)

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user):
        try:
            barrier.wait(timeout=10)
            services.transition(submission_id=submission.pk, action=SubmissionEvent.Action.APPROVE, user=user)
            outcomes.append("ok")
        except services.TransitionNotAllowed:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(u,)) for u in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "refused"]
    assert SubmissionEvent.objects.filter(action=SubmissionEvent.Action.APPROVE).count() == 1


# -- backups --------------------------------------------------------------------------------------


def _fingerprint() -> list[tuple]:
    return list(
        Value.objects.filter(submission__status=Submission.Status.APPROVED)
        .order_by("submission__edition__year", "submission__organisation__slug", "indicator__code", "row", "col")
        .values_list("submission__edition__year", "submission__organisation__slug", "indicator__code", "row", "col", "number", "text")
    )


@pytest.mark.skipif(not ON_POSTGRES, reason="The pg_dump backup procedure needs PostgreSQL (CI runs this).")
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
@pytest.mark.django_db(transaction=True)
def test_it_restores_a_pg_dump_to_the_same_edition():
    """The README's backup procedure: pg_dump -Fc, then pg_restore into an empty database."""
    from tests.conftest import ensure_reference_data

    ensure_reference_data()
    from apps.submissions.demo import load_demo

    load_demo()
    before = _fingerprint()
    assert before
    db = settings.DATABASES["default"]
    env = os.environ | {"PGPASSWORD": db.get("PASSWORD") or ""}
    common = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres"]
    restored = f"{db['NAME']}_restore"
    dump = subprocess.run(["pg_dump", "-Fc", *common, db["NAME"]], capture_output=True, env=env, check=True).stdout
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        cursor.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(["pg_restore", "--no-owner", *common, "-d", restored], input=dump, env=env, check=True)
        import psycopg

        with psycopg.connect(
            host=db.get("HOST") or "127.0.0.1",
            port=db.get("PORT") or 5432,
            user=db.get("USER") or "postgres",
            password=db.get("PASSWORD") or None,
            dbname=restored,
        ) as restored_db:
            rows = restored_db.execute(
                "SELECT e.year, o.slug, i.code, v.row, v.col, v.number, v.text "
                "FROM submissions_value v JOIN submissions_submission s ON s.id = v.submission_id "
                "JOIN submissions_edition e ON e.id = s.edition_id JOIN partners_organisation o ON o.id = s.organisation_id "
                "JOIN submissions_indicator i ON i.id = v.indicator_id WHERE s.status = 'approved' "
                "ORDER BY e.year, o.slug, i.code, v.row, v.col"
            ).fetchall()
            after = [tuple(r) for r in rows]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}"')
    assert after == before
