"""Logging in and out with django-allauth: audit entries, rate limits, no self sign-up."""

import json

from django.contrib.auth import get_user
from django.urls import reverse

from apps.partners.models import AuditEvent, User
from tests.conftest import PASSWORD

WRONG_PASSWORD = "geheim-maar-fout-123"
TOO_MANY_ATTEMPTS = "Te veel inlogpogingen. Probeer het later nogmaals."


def _login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _form_errors(response) -> list[str]:
    return response.context["form"].non_field_errors()


def test_it_logs_in_with_the_right_password(client, alice, org_a):
    response = _login(client, alice.email, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert get_user(client) == alice


def test_it_ignores_the_case_of_the_email_address(client, alice):
    _login(client, alice.email.upper(), PASSWORD)
    assert get_user(client) == alice


def test_it_records_a_login(client, alice):
    _login(client, alice.email, PASSWORD)

    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert (event.actor, event.actor_email, event.ip_address) == (alice, alice.email, "127.0.0.1")


def test_it_refuses_a_wrong_password(client, alice):
    response = _login(client, alice.email, WRONG_PASSWORD)

    assert response.status_code == 200
    assert _form_errors(response) == ["Het opgegeven e-mailadres en/of wachtwoord is niet juist."]
    assert not get_user(client).is_authenticated
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN).exists()


def test_it_records_a_failed_login_without_the_password(client, alice):
    _login(client, alice.email, WRONG_PASSWORD)

    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.actor is None
    assert event.actor_email == alice.email
    assert event.ip_address == "127.0.0.1"
    stored = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert WRONG_PASSWORD not in stored
    assert "password" not in json.dumps(event.data)


def test_it_records_a_failed_login_for_an_unknown_address(client, db):
    _login(client, "onbekend@example.invalid", WRONG_PASSWORD)

    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.actor_email == "onbekend@example.invalid"
    assert WRONG_PASSWORD not in json.dumps(list(AuditEvent.objects.values()), default=str)


def test_it_refuses_even_the_right_password_after_five_failures_for_one_address(client, alice):
    for _ in range(5):
        assert _form_errors(_login(client, alice.email, WRONG_PASSWORD)) != [TOO_MANY_ATTEMPTS]

    response = _login(client, alice.email, PASSWORD)

    # allauth's per-address limit (5/5m/key) answers with a form error, not with a 429.
    assert response.status_code == 200
    assert _form_errors(response) == [TOO_MANY_ATTEMPTS]
    assert not get_user(client).is_authenticated
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN).exists()


def test_it_counts_failures_per_address_regardless_of_case(client, alice):
    for _ in range(5):
        _login(client, alice.email.upper(), WRONG_PASSWORD)

    assert _form_errors(_login(client, alice.email, PASSWORD)) == [TOO_MANY_ATTEMPTS]


def test_it_does_not_lock_out_other_addresses(client, alice, bob):
    for _ in range(5):
        _login(client, alice.email, WRONG_PASSWORD)

    _login(client, bob.email, PASSWORD)
    assert get_user(client) == bob


def test_it_limits_failures_per_ip_address_across_addresses(client, alice):
    for n in range(10):
        _login(client, f"gok{n}@example.invalid", WRONG_PASSWORD)

    response = _login(client, alice.email, PASSWORD)
    assert _form_errors(response) == [TOO_MANY_ATTEMPTS]
    assert not get_user(client).is_authenticated


def test_it_answers_429_to_a_flood_of_login_posts(client, alice):
    # The login view itself allows 30 POSTs a minute per IP address; then allauth responds 429.
    for _ in range(30):
        assert _login(client, "", "").status_code == 200

    response = _login(client, alice.email, PASSWORD)
    assert response.status_code == 429
    assert not get_user(client).is_authenticated


def test_it_logs_out_on_post(client, alice):
    client.force_login(alice)
    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert not get_user(client).is_authenticated
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGOUT)
    assert event.actor == alice


def test_it_asks_before_logging_out_on_get(client, alice):
    client.force_login(alice)
    response = client.get(reverse("account_logout"))

    assert response.status_code == 200
    assert get_user(client) == alice


def test_it_shows_that_sign_up_is_closed(client, db):
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    assert "Registratie gesloten" in response.content.decode()


def test_it_creates_no_account_on_a_sign_up_post(client, db):
    count = User.objects.count()
    password = "Lange-zin-met-7-woorden!"
    response = client.post(
        reverse("account_signup"), {"email": "indringer@example.invalid", "password1": password, "password2": password}
    )

    assert response.status_code == 200
    assert User.objects.count() == count
    assert not User.objects.filter(email="indringer@example.invalid").exists()
    assert not get_user(client).is_authenticated
