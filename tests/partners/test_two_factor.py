"""Two-factor authentication: required for VAR staff, asked for at login."""

import time
from types import SimpleNamespace
from unittest import mock

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp_auth
from allauth.mfa.utils import decrypt
from django.contrib.auth import get_user
from django.urls import reverse

from apps.partners.middleware import needs_two_factor
from apps.partners.models import AuditEvent, Role
from apps.partners.services import _sync_admin_flags
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, UserFactory

ACTIVATE = "mfa_activate_totp"


def _code(secret: str, now: float) -> str:
    counter = int(now) // mfa_settings.TOTP_PERIOD
    return totp_auth.format_hotp_value(totp_auth.hotp_value(secret, counter))


@pytest.fixture
def frozen_totp_clock():
    """Pin the clock allauth's TOTP check reads, so a code never crosses a 30-second boundary."""
    now = time.time()
    with mock.patch.object(totp_auth, "time", SimpleNamespace(time=lambda: now)):
        yield now


@pytest.fixture
def demo_staff(var_org):
    user = UserFactory(email="medewerker@demo.invalid")
    MembershipFactory(user=user, organisation=var_org, role=Role.REVIEWER)
    _sync_admin_flags(user)
    return user


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["home", "staff_dashboard", "invite"])
def test_it_sends_staff_without_totp_to_the_activation_page(client, vera_without_mfa, name):
    client.force_login(vera_without_mfa)
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"] == reverse(ACTIVATE)


def test_it_sends_staff_without_totp_away_from_organisation_pages_and_posts(client, vera_without_mfa, org_a, charlie):
    client.force_login(vera_without_mfa)
    assert client.get(reverse("organisation_detail", kwargs={"slug": org_a.slug}))["Location"] == reverse(ACTIVATE)
    response = client.post(reverse("invite"), {"email": "x@example.invalid", "organisation": org_a.pk, "role": "viewer"})
    assert response["Location"] == reverse(ACTIVATE)
    assert client.get("/admin/")["Location"] == reverse(ACTIVATE)


def test_it_explains_why_in_a_message(client, vera_without_mfa):
    client.force_login(vera_without_mfa)
    response = client.get(reverse("staff_dashboard"), follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert any("tweestapsverificatie" in m for m in messages)


def test_it_lets_staff_without_totp_reach_only_totp_set_up_and_log_out(client, vera_without_mfa):
    client.force_login(vera_without_mfa)

    assert client.get(reverse("account_logout")).status_code == 200
    # The activation page itself is reached; allauth first asks for the password again.
    assert client.get(reverse(ACTIVATE))["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(reverse("account_reauthenticate")).status_code == 200
    assert client.get("/healthz/").status_code == 200


@pytest.mark.parametrize("name", ["mfa_index", "account_change_password", "account_email", "mfa_view_recovery_codes"])
def test_it_keeps_staff_without_totp_from_other_account_pages(client, vera_without_mfa, name):
    client.force_login(vera_without_mfa)
    assert client.get(reverse(name))["Location"] == reverse(ACTIVATE)


def test_it_lets_staff_without_totp_log_out(client, vera_without_mfa):
    client.force_login(vera_without_mfa)
    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert not get_user(client).is_authenticated


def test_it_lets_staff_with_totp_through(client, vera):
    client.force_login(vera)
    assert client.get(reverse("staff_dashboard")).status_code == 200


def test_it_never_forces_partners(client, alice, org_a):
    assert not Authenticator.objects.filter(user=alice).exists()
    client.force_login(alice)

    assert client.get(reverse("home"))["Location"] == reverse("organisation_detail", kwargs={"slug": org_a.slug})
    assert client.get(reverse("organisation_detail", kwargs={"slug": org_a.slug})).status_code == 200
    assert not needs_two_factor(alice)


def test_it_does_not_apply_to_anonymous_visitors(client, db):
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("account_login"))


def test_it_exempts_demo_staff_while_debug_is_on(client, settings, demo_staff):
    settings.DEBUG = True
    client.force_login(demo_staff)

    assert not needs_two_factor(demo_staff)
    assert client.get(reverse("staff_dashboard")).status_code == 200


def test_it_forces_demo_staff_when_debug_is_off(client, settings, demo_staff):
    settings.DEBUG = False
    client.force_login(demo_staff)

    assert needs_two_factor(demo_staff)
    assert client.get(reverse("staff_dashboard"))["Location"] == reverse(ACTIVATE)


def test_it_forces_demo_staff_when_the_exemption_is_switched_off(settings, demo_staff):
    settings.DEBUG = True
    settings.MFA_EXEMPT_DEMO_ACCOUNTS_IN_DEBUG = False
    assert needs_two_factor(demo_staff)


def test_it_forces_other_staff_even_while_debug_is_on(settings, vera_without_mfa):
    settings.DEBUG = True
    assert needs_two_factor(vera_without_mfa)


def test_it_forces_administrators_too(var_org):
    user = UserFactory(email="beheer@var.invalid")
    MembershipFactory(user=user, organisation=var_org, role=Role.ADMINISTRATOR)
    assert needs_two_factor(user)


# --- login with a code ------------------------------------------------------------------------


def _password_step(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def test_it_asks_staff_with_totp_for_a_code_after_the_password(client, vera):
    response = _password_step(client, vera)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not get_user(client).is_authenticated
    assert client.get(reverse("staff_dashboard")).status_code == 302
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN).exists()


def test_it_completes_the_login_with_a_valid_code(client, vera, frozen_totp_clock):
    _password_step(client, vera)
    assert client.get(reverse("mfa_authenticate")).status_code == 200
    secret = decrypt(Authenticator.objects.get(user=vera, type=Authenticator.Type.TOTP).data["secret"])

    response = client.post(reverse("mfa_authenticate"), {"code": _code(secret, frozen_totp_clock)})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert get_user(client) == vera
    assert client.get(reverse("staff_dashboard")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, actor=vera).exists()


def test_it_refuses_a_wrong_code(client, vera, frozen_totp_clock):
    _password_step(client, vera)
    secret = decrypt(Authenticator.objects.get(user=vera).data["secret"])
    right = _code(secret, frozen_totp_clock)
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    response = client.post(reverse("mfa_authenticate"), {"code": wrong})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not get_user(client).is_authenticated


def test_it_refuses_a_code_that_was_already_used(client, vera, frozen_totp_clock):
    secret = decrypt(Authenticator.objects.get(user=vera).data["secret"])
    code = _code(secret, frozen_totp_clock)
    _password_step(client, vera)
    client.post(reverse("mfa_authenticate"), {"code": code})
    client.post(reverse("account_logout"))

    _password_step(client, vera)
    response = client.post(reverse("mfa_authenticate"), {"code": code})

    assert response.status_code == 200
    assert not get_user(client).is_authenticated


def test_it_lets_staff_set_up_totp_after_logging_in(
    client, vera_without_mfa, frozen_totp_clock, django_capture_on_commit_callbacks
):
    response = _password_step(client, vera_without_mfa)
    assert get_user(client) == vera_without_mfa
    assert client.get(response["Location"])["Location"] == reverse(ACTIVATE)
    # allauth asks for the password once more before an authenticator is added.
    response = client.get(reverse(ACTIVATE))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == reverse(ACTIVATE)
    assert client.get(reverse(ACTIVATE)).status_code == 200
    secret = client.session[totp_auth.SECRET_SESSION_KEY]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(ACTIVATE), {"code": _code(secret, frozen_totp_clock)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=vera_without_mfa, type=Authenticator.Type.TOTP).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MFA_ACTIVATED, actor=vera_without_mfa).exists()
    assert client.get(reverse("staff_dashboard")).status_code == 200
