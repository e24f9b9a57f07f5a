"""Invitations as a mature product: real links, Dutch set-password page, existing accounts, resending."""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.partners import invitations
from apps.partners.models import AuditEvent, Membership, Role, User

NEW_EMAIL = "nieuw@rotterdam.invalid"
LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+/")


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    def post(host="testserver", **data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("invite"), data, HTTP_HOST=host)

    return post


def _set_password_url(invitee: Client, message) -> str:
    return invitee.get(urlsplit(LINK.search(message.body).group(0)).path)["Location"]


def test_it_builds_the_links_from_the_address_staff_are_on(invite, client, vera, org_a):
    client.force_login(vera)
    invite(host="localhost:18811", email=NEW_EMAIL, organisation=org_a.pk, role="viewer")
    (message,) = mail.outbox
    assert LINK.search(message.body).group(0).startswith("http://localhost:18811/accounts/password/reset/key/")
    assert "http://localhost:18811/accounts/login/" in message.body
    assert ":8000" not in message.body


def test_it_adds_an_active_account_with_an_added_mail_instead_of_a_password_link(invite, client, vera, charlie, org_a):
    client.force_login(vera)
    response = invite(email=charlie.email, organisation=org_a.pk, role="viewer")
    assert Membership.objects.get(user=charlie, organisation=org_a).role == Role.VIEWER
    (message,) = mail.outbox
    assert message.to == [charlie.email]
    assert "toegevoegd" in message.subject
    assert not LINK.search(message.body)  # no set-password link for an account someone already uses
    assert charlie.check_password("correct-horse-battery")
    (text,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "had al een account" in text
    assert AuditEvent.objects.get(action=AuditEvent.Action.INVITED).data["outcome"] == "added"


def test_it_sends_a_password_link_again_to_an_account_never_activated(invite, client, vera, org_a, org_b):
    client.force_login(vera)
    invite(email=NEW_EMAIL, organisation=org_b.pk, role="viewer")
    mail.outbox.clear()
    invite(email=NEW_EMAIL, organisation=org_a.pk, role="contributor")
    (message,) = mail.outbox
    assert LINK.search(message.body)


def test_it_refuses_a_disabled_account(invite, client, vera, charlie, org_a):
    User.objects.filter(pk=charlie.pk).update(is_active=False)
    client.force_login(vera)
    response = invite(email=charlie.email, organisation=org_a.pk, role="viewer")
    assert response.status_code == 200
    assert "uitgeschakeld" in response.context["form"].errors["email"][0]
    assert not Membership.objects.filter(user=charlie, organisation=org_a).exists()
    assert mail.outbox == []


def test_it_answers_the_set_password_page_in_dutch_for_an_english_browser(invite, client, vera, org_a):
    client.force_login(vera)
    invite(email=NEW_EMAIL, organisation=org_a.pk, role="viewer")
    invitee = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    url = _set_password_url(invitee, mail.outbox[0])
    html = invitee.post(url, {"password1": "kort", "password2": "kort"}).content.decode()
    assert "Dit wachtwoord is te kort: gebruik minstens 12 tekens." in html
    assert "too short" not in html


def test_it_ends_the_set_password_page_with_a_way_to_log_in(invite, client, vera, org_a):
    client.force_login(vera)
    invite(email=NEW_EMAIL, organisation=org_a.pk, role="viewer")
    invitee = Client()
    url = _set_password_url(invitee, mail.outbox[0])
    password = "Lange-zin-met-7-woorden!"
    html = invitee.post(url, {"password1": password, "password2": password}, follow=True).content.decode()
    assert "Uw wachtwoord is ingesteld" in html
    assert f'href="{reverse("account_login")}"' in html
    assert "Je wachtwoord" not in html


def test_it_does_not_invite_to_a_closed_registration_on_the_login_page(client, db):
    html = client.get(reverse("account_login")).content.decode()
    assert reverse("account_signup") not in html
    assert "Accounts worden aangemaakt door de VAR" in html


def test_it_lists_pending_invitations_with_their_expiry(invite, client, vera, org_a, settings):
    client.force_login(vera)
    invite(email=NEW_EMAIL, organisation=org_a.pk, role="viewer")
    (pending,) = invitations.pending_invitations()
    assert pending.membership.user.email == NEW_EMAIL
    assert pending.expires_at - pending.sent_at == datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    assert not pending.is_expired
    response = client.get(reverse("pending_invitations"))
    assert NEW_EMAIL in response.content.decode() and "Geldig tot" in response.content.decode()


def test_it_leaves_people_who_set_their_password_off_the_pending_list(vera, alice, org_a):
    assert invitations.pending_invitations() == []


def test_it_marks_an_invitation_past_its_expiry(invite, client, vera, org_a, settings):
    client.force_login(vera)
    invite(email=NEW_EMAIL, organisation=org_a.pk, role="viewer")
    AuditEvent.objects.filter(action=AuditEvent.Action.INVITED).update(
        at=timezone.now() - datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    )
    (pending,) = invitations.pending_invitations()
    assert pending.is_expired
    assert "verlopen" in client.get(reverse("pending_invitations")).content.decode()


def test_it_resends_an_invitation_and_records_it(invite, client, vera, org_a, django_capture_on_commit_callbacks):
    client.force_login(vera)
    invite(email=NEW_EMAIL, organisation=org_a.pk, role="viewer")
    membership = Membership.objects.get(user__email=NEW_EMAIL)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("resend_membership_invitation", args=[membership.pk]))
    assert response["Location"] == reverse("pending_invitations")
    (message,) = mail.outbox
    assert LINK.search(message.body)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.INVITED, data__resend=True).count() == 1


def test_it_refuses_to_resend_to_someone_with_a_password(client, vera, alice):
    client.force_login(vera)
    membership = Membership.objects.get(user=alice)
    response = client.post(reverse("resend_membership_invitation", args=[membership.pk]))
    assert "heeft al een wachtwoord" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert mail.outbox == []


def test_it_hides_the_pending_invitations_from_partners(client, alice, charlie):
    client.force_login(charlie)
    assert client.get(reverse("pending_invitations")).status_code == 404
    membership = Membership.objects.get(user=alice)
    assert client.post(reverse("resend_membership_invitation", args=[membership.pk])).status_code == 404
