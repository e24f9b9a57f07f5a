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


def test_it_mails_the_first_administrator_a_link_to_set_her_password(client, var_org, mailoutbox):
    out = io.StringIO()
    call_command("create_admin", "beheer@var.invalid", "--name", "Bea Beheer", stdout=out)

    user = User.objects.get(email="beheer@var.invalid")
    assert not user.has_usable_password()
    assert "verstuurd" in out.getvalue()
    (message,) = mailoutbox
    assert message.to == ["beheer@var.invalid"]
    link = next(line for line in message.body.splitlines() if "/accounts/password/reset/key/" in line)
    assert "tweestapsverificatie" in message.body and "nog\néén keer uw wachtwoord" in message.body

    # She follows the link (allauth moves the key into the session first) and sets her password.
    page = client.get(link.replace("http://127.0.0.1:8000", ""), follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0]
    response = client.post(form_url, {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)


def test_it_says_when_the_mail_to_the_first_administrator_cannot_be_sent(settings, var_org):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # nothing listens

    with pytest.raises(CommandError, match="draai dit commando opnieuw"):
        call_command("create_admin", "beheer@var.invalid", stdout=io.StringIO())
    assert Membership.objects.get(user__email="beheer@var.invalid").role == Role.ADMINISTRATOR
