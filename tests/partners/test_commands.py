"""Management commands: create_admin, and load_demo's refusal outside DEBUG."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from apps.partners.models import Membership, Role, User

STRONG_PASSWORD = "een-lang-beheerderswachtwoord"


def _create_admin(monkeypatch, *args, password=STRONG_PASSWORD):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    out = io.StringIO()
    call_command("create_admin", *args, "--password-stdin", stdout=out)
    return out.getvalue()


def test_it_creates_an_administrator(monkeypatch, var_org):
    output = _create_admin(monkeypatch, "Beheer@VAR.invalid", "--name", "Bea Beheer")

    user = User.objects.get(email="beheer@var.invalid")
    assert user.name == "Bea Beheer"
    assert user.is_staff and user.is_superuser and user.is_active
    assert user.check_password(STRONG_PASSWORD)
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role) == (var_org, Role.ADMINISTRATOR)
    assert EmailAddress.objects.filter(user=user, email="beheer@var.invalid", verified=True, primary=True).exists()
    assert "beheer@var.invalid is beheerder" in output


def test_it_refuses_a_short_password(monkeypatch, db):
    with pytest.raises(CommandError, match="12 tekens"):
        _create_admin(monkeypatch, "beheer@var.invalid", password="kort")
    assert not User.objects.filter(email="beheer@var.invalid").exists()


def test_it_promotes_an_existing_staff_member(monkeypatch, vera, var_org):
    _create_admin(monkeypatch, vera.email)

    vera.refresh_from_db()
    assert vera.is_staff and vera.is_superuser
    assert vera.check_password(STRONG_PASSWORD)
    assert Membership.objects.get(user=vera).role == Role.ADMINISTRATOR
    assert User.objects.filter(email=vera.email).count() == 1


def test_it_can_run_twice(monkeypatch, var_org):
    _create_admin(monkeypatch, "beheer@var.invalid")
    _create_admin(monkeypatch, "beheer@var.invalid")

    assert Membership.objects.filter(user__email="beheer@var.invalid").count() == 1
    assert EmailAddress.objects.filter(email="beheer@var.invalid").count() == 1


def test_it_makes_the_new_administrator_set_up_totp_at_first_login(monkeypatch, client, var_org):
    _create_admin(monkeypatch, "beheer@var.invalid")

    response = client.post("/accounts/login/", {"login": "beheer@var.invalid", "password": STRONG_PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/")["Location"] == "/accounts/2fa/totp/activate/"


def test_it_refuses_to_load_the_demo_without_debug(settings, db):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo")
    assert not User.objects.filter(email__endswith="@demo.invalid").exists()


def test_it_needs_the_var_organisation(monkeypatch, var_org):
    var_org.delete()
    with pytest.raises(CommandError, match="VAR-organisatie"):
        _create_admin(monkeypatch, "beheer@var.invalid")
    assert not User.objects.filter(email="beheer@var.invalid").exists()
