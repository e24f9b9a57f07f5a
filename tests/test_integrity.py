"""Integrity rules of issue 10 outside the admin: staff only in the VAR, four eyes, audit types,
encrypted TOTP secrets, login addresses, the client address behind proxies."""

from __future__ import annotations

from importlib import import_module

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.contrib.auth import get_user
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse

from apps.partners import access, audit
from apps.partners.models import AuditEvent, Membership, Organisation, Role
from apps.submissions import services
from apps.submissions.models import Edition, Submission
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, UserFactory

TOO_MANY_ATTEMPTS = "Te veel inlogpogingen. Probeer het later nogmaals."


def _login(client, email, password=PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


# -- staff roles only in the VAR ----------------------------------------------------------------------


def test_it_refuses_a_staff_role_outside_the_var_on_every_save(org_a):
    user = UserFactory()
    with pytest.raises(ValidationError):
        Membership.objects.create(user=user, organisation=org_a, role=Role.REVIEWER)
    membership = MembershipFactory(user=user, organisation=org_a, role=Role.VIEWER)
    membership.role = Role.ADMINISTRATOR
    with pytest.raises(ValidationError):
        membership.save()


def test_it_refuses_a_partner_role_inside_the_var(var_org):
    with pytest.raises(ValidationError):
        Membership.objects.create(user=UserFactory(), organisation=var_org, role=Role.COORDINATOR)


def test_it_counts_a_staff_role_only_inside_the_var(client, vic, org_a):
    # A row that got past the model (a raw update): the access check itself still says no.
    Membership.objects.filter(user=vic).update(role=Role.REVIEWER)
    access.forget_roles(vic)

    assert not access.is_var_staff(vic)
    assert not access.is_administrator(vic)
    client.force_login(vic)
    assert client.get(reverse("audit_log")).status_code == 404


def test_it_refuses_to_make_an_organisation_with_members_the_var(org_a, alice):
    org_a.is_var = True
    with pytest.raises(ValidationError):
        org_a.save()
    assert not Organisation.objects.get(pk=org_a.pk).is_var


# -- four eyes ----------------------------------------------------------------------------------------


@pytest.fixture
def var_submission(db, var_org) -> Submission:
    edition = services.create_edition(year=2024, created_by=None)
    services.open_edition(edition=edition, opened_by=None)
    return Submission.objects.filter(edition=edition, organisation=var_org).first()


def test_it_does_not_let_the_submitter_approve_their_own_submission(var_submission, vera):
    services.transition(submission_id=var_submission.pk, action="submit", user=vera)

    assert "approve" not in access.allowed_actions(vera, Submission.objects.get(pk=var_submission.pk))
    with pytest.raises(services.TransitionNotAllowed, match="zelf ingediend"):
        services.transition(submission_id=var_submission.pk, action="approve", user=vera)
    assert Submission.objects.get(pk=var_submission.pk).status == Submission.Status.SUBMITTED


def test_it_lets_a_colleague_approve(var_submission, vera, adam):
    services.transition(submission_id=var_submission.pk, action="submit", user=vera)

    services.transition(submission_id=var_submission.pk, action="approve", user=adam)

    assert Submission.objects.get(pk=var_submission.pk).approved_by == adam


def test_it_still_refuses_partners_with_permission_denied(var_submission, vera, alice):
    services.transition(submission_id=var_submission.pk, action="submit", user=vera)
    with pytest.raises(PermissionDenied):
        services.transition(submission_id=var_submission.pk, action="approve", user=alice)


# -- audit action types -------------------------------------------------------------------------------


def test_it_uses_dotted_action_types():
    assert all("." in value for value in AuditEvent.Action.values)
    assert AuditEvent.Action.APPROVED == "submission.approved"
    assert AuditEvent.Action.MEMBERSHIP_CHANGED == "membership.role_changed"
    assert AuditEvent.Action.MFA_DEACTIVATED == "account.mfa_removed"


def test_it_records_each_workflow_step_with_its_own_type(var_submission, vera, adam):
    services.transition(submission_id=var_submission.pk, action="submit", user=vera)
    services.transition(submission_id=var_submission.pk, action="approve", user=adam)

    types = list(AuditEvent.objects.filter(object_id=str(var_submission.pk)).order_by("pk").values_list("action", flat=True))
    assert types == ["submission.submitted", "submission.approved"]


def test_it_maps_old_action_names_to_dotted_types(db):
    migration = import_module("apps.partners.migrations.0003_audit_types")
    rows = [
        AuditEvent(action="login"),
        AuditEvent(action="membership_changed"),
        AuditEvent(action="submission", object_type="submissions.edition"),
        AuditEvent(action="submission", object_type="submissions.submission", data={"to": "approved"}),
        AuditEvent(action="submission", object_type="submissions.submission", data={"to": "draft"}),
        AuditEvent(action="export"),
    ]
    AuditEvent.objects.bulk_create(rows)

    migration.forwards(django_apps, None)

    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "account.login",
        "membership.role_changed",
        "edition.changed",
        "submission.approved",
        "submission.reopened",
        "export.downloaded",
    ]


# -- TOTP secrets at rest -------------------------------------------------------------------------------


def test_it_stores_totp_secrets_encrypted(vera):
    stored = Authenticator.objects.get(user=vera).data["secret"]

    assert stored != "JBSWY3DPEHPK3PXP"
    assert decrypt(stored) == "JBSWY3DPEHPK3PXP"


def test_it_refuses_to_read_a_secret_stored_in_the_clear():
    with pytest.raises(ValueError):
        decrypt("JBSWY3DPEHPK3PXP")


def test_it_encrypts_existing_secrets_in_the_migration(vera_without_mfa):
    plain = Authenticator.objects.create(user=vera_without_mfa, type="totp", data={"secret": "JBSWY3DPEHPK3PXP"})
    codes = Authenticator.objects.create(user=vera_without_mfa, type="recovery_codes", data={"seed": "abc", "used_mask": 0})
    migration = import_module("apps.partners.migrations.0004_encrypt_mfa_secrets")

    migration.forwards(django_apps, None)
    migration.forwards(django_apps, None)  # twice: already encrypted secrets stay as they are

    plain.refresh_from_db()
    codes.refresh_from_db()
    assert plain.data["secret"] != "JBSWY3DPEHPK3PXP" and decrypt(plain.data["secret"]) == "JBSWY3DPEHPK3PXP"
    assert decrypt(codes.data["seed"]) == "abc" and codes.data["used_mask"] == 0


# -- login addresses --------------------------------------------------------------------------------


def test_it_does_not_let_users_add_a_login_address(client, alice):
    client.force_login(alice)

    client.post(reverse("account_email"), {"action_add": "", "email": "prive@example.invalid"})

    assert not EmailAddress.objects.filter(email="prive@example.invalid").exists()


def test_it_does_not_log_in_with_an_address_added_to_an_account(client, alice):
    EmailAddress.objects.create(user=alice, email="prive@example.invalid", verified=False, primary=False)

    response = _login(client, "prive@example.invalid")

    assert response.status_code == 200
    assert not get_user(client).is_authenticated
    assert _login(client, alice.email).status_code == 302


# -- failed logins refused by the rate limit ---------------------------------------------------------


def test_it_audits_a_login_refused_by_the_rate_limit(client, alice):
    for _ in range(5):
        _login(client, alice.email, "fout-wachtwoord-123")

    _login(client, alice.email)

    event = AuditEvent.objects.get(action=AuditEvent.Action.RATE_LIMITED)
    assert event.actor_email == alice.email and event.ip_address == "127.0.0.1"


# -- the client address behind trusted proxies -------------------------------------------------------


def test_it_ties_allauth_to_the_one_trusted_proxy_setting():
    assert django_settings.ALLAUTH_TRUSTED_PROXY_COUNT == django_settings.TRUSTED_PROXY_COUNT


def test_it_reads_remote_addr_without_trusted_proxies(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert audit.client_ip(request) == "10.0.0.2"


def test_it_reads_the_client_behind_one_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    # The client forged the first entry; the proxy appended the real address last.
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert audit.client_ip(request) == "203.0.113.7"


def test_it_counts_the_per_ip_login_limit_per_client_behind_the_proxy(client, settings, alice):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(10):
        _login(client, f"gok{n}@example.invalid", "fout-wachtwoord-123", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)

    blocked = _login(client, alice.email, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert blocked.context["form"].non_field_errors() == [TOO_MANY_ATTEMPTS]
    # Another person behind the same proxy is not locked out by the first one's attempts.
    _login(client, alice.email, HTTP_X_FORWARDED_FOR="198.51.100.4", **proxy)
    assert get_user(client) == alice
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert event.ip_address == "198.51.100.4"


def test_it_keeps_published_editions_out_of_reach_of_partners(alice, db):
    Edition.objects.create(year=2030)
    assert not access.editions_for(alice).exists()


# -- one source of truth for a value's history ------------------------------------------------------


def test_it_reads_value_changes_for_the_timeline_from_the_value_history(var_submission, vera):
    from apps.submissions.review import timeline
    from apps.submissions.selectors import load_form_context

    context = load_form_context(var_submission)
    grid = next(g for g in context.grids.values() if g.indicator.kind == "count")
    cell = (grid.indicator.code, *grid.keys()[0])
    for number in (12, 15):
        submission = Submission.objects.get(pk=var_submission.pk)
        services.save_values(
            submission_id=submission.pk, user=vera, cells={cell: services.CellInput(number=number)},
            explanations={}, base_version=submission.version,
        )
    saved = AuditEvent.objects.filter(action=AuditEvent.Action.VALUES_SAVED).order_by("pk").last()
    assert saved.data == {"version": 3, "cells": 1, "changes": 1}  # a summary; no second copy of the cells

    entries = timeline(var_submission, context.grids)

    texts = [(e.what, [i["text"] for i in e.items]) for e in entries]
    assert texts == [("Cijfers opgeslagen (versie 3)", ["12 → 15"]), ("Cijfers opgeslagen (versie 2)", ["leeg → 12"])]
    assert {e.who for e in entries} == {vera.email}
