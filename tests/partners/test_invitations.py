"""Inviting people, changing their role and removing their membership."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from apps.partners import invitations, services
from apps.partners.models import AuditEvent, Membership, Organisation, Role, User

NEW_EMAIL = "nieuw@rotterdam.invalid"
NEW_PASSWORD = "Lange-zin-met-7-woorden!"


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    """POST the invitation form and run what waits for the commit (sending the email)."""

    def post(**data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("invite"), data)

    return post


def _link_path(message) -> str:
    match = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- inviting ---------------------------------------------------------------------------------


def test_it_invites_a_new_person(invite, client, vera, org_a):
    client.force_login(vera)
    response = invite(email=" Nieuw@Rotterdam.invalid ", name="Nina Nieuw", organisation=org_a.pk, role="contributor")

    assert response.status_code == 302
    assert response["Location"] == reverse("staff_organisation", kwargs={"slug": org_a.slug})
    user = User.objects.get(email=NEW_EMAIL)
    assert user.name == "Nina Nieuw"
    assert not user.has_usable_password()
    assert not user.is_staff and not user.is_superuser
    membership = Membership.objects.get(user=user)
    assert (membership.organisation, membership.role, membership.invited_by) == (org_a, Role.CONTRIBUTOR, vera)
    assert EmailAddress.objects.filter(user=user, email=NEW_EMAIL, verified=True, primary=True).exists()
    assert any(NEW_EMAIL in m for m in _messages(response))


def test_it_emails_the_invitation_with_a_set_password_link(invite, client, vera, org_a):
    client.force_login(vera)
    invite(email=NEW_EMAIL, organisation=org_a.pk, role="viewer")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [NEW_EMAIL]
    assert "Uitnodiging" in message.subject
    assert org_a.name in message.body
    path = _link_path(message)
    assert path.startswith("/accounts/password/reset/key/")
    assert "{{" not in message.body


def test_it_records_the_invitation_in_the_audit_log(invite, client, vera, org_a):
    client.force_login(vera)
    invite(email=NEW_EMAIL, organisation=org_a.pk, role="viewer")

    event = AuditEvent.objects.get(action=AuditEvent.Action.INVITED)
    membership = Membership.objects.get(user__email=NEW_EMAIL)
    assert event.actor == vera
    assert event.actor_email == vera.email
    assert event.organisation == org_a
    assert (event.object_type, event.object_id) == ("partners.membership", str(membership.pk))
    assert event.data == {"email": NEW_EMAIL, "role": "viewer", "new_account": True, "outcome": "invited"}
    assert event.ip_address == "127.0.0.1"


def test_it_lets_the_invited_person_set_a_password_and_log_in(invite, client, vera, org_a):
    client.force_login(vera)
    invite(email=NEW_EMAIL, organisation=org_a.pk, role="viewer")
    path = _link_path(mail.outbox[0])

    invitee = Client()
    response = invitee.get(path)
    assert response.status_code == 302
    set_password_url = response["Location"]
    assert set_password_url.endswith("-set-password/")
    response = invitee.get(set_password_url)
    assert response.status_code == 200
    assert "form" in response.context and not response.context.get("token_fail")
    response = invitee.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_from_key_done")

    user = User.objects.get(email=NEW_EMAIL)
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_RESET, actor=user).exists()
    response = invitee.post(reverse("account_login"), {"login": NEW_EMAIL, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert get_user(invitee) == user
    response = invitee.get(reverse("home"), follow=True)
    assert response.context["organisation"] == org_a


def test_it_accepts_the_invitation_link_only_once(invite, client, vera, org_a):
    client.force_login(vera)
    invite(email=NEW_EMAIL, organisation=org_a.pk, role="viewer")
    path = _link_path(mail.outbox[0])
    invitee = Client()
    set_password_url = invitee.get(path)["Location"]
    invitee.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    response = Client().get(path)
    assert response.status_code == 200
    assert response.context["token_fail"]


def test_it_adds_an_existing_user_to_another_organisation(invite, client, vera, charlie, org_a):
    client.force_login(vera)
    response = invite(email=charlie.email.upper(), organisation=org_a.pk, role="viewer")

    assert response.status_code == 302
    assert User.objects.filter(email=charlie.email).count() == 1
    assert Membership.objects.get(user=charlie, organisation=org_a).role == Role.VIEWER
    assert charlie.check_password("correct-horse-battery")
    event = AuditEvent.objects.get(action=AuditEvent.Action.INVITED)
    assert event.data["new_account"] is False
    assert len(mail.outbox) == 1


def test_it_refuses_to_invite_an_existing_member_again(invite, client, vera, alice, org_a):
    client.force_login(vera)
    response = invite(email=alice.email, organisation=org_a.pk, role="viewer")

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Deze persoon is al lid van Rotterdam."]
    assert "Deze persoon is al lid van Rotterdam." in response.content.decode()
    assert Membership.objects.get(user=alice).role == Role.COORDINATOR
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.INVITED).exists()


@pytest.mark.parametrize("role", ["reviewer", "administrator"])
def test_it_refuses_staff_roles_outside_the_var(invite, client, vera, org_a, role):
    client.force_login(vera)
    response = invite(email=NEW_EMAIL, organisation=org_a.pk, role=role)

    assert response.status_code == 200
    assert response.context["form"].errors["role"] == [
        "De rollen VAR-medewerker en beheerder bestaan alleen binnen de VAR."
    ]
    assert not User.objects.filter(email=NEW_EMAIL).exists()
    assert mail.outbox == []


def test_it_refuses_partner_roles_inside_the_var(invite, client, vera, var_org):
    client.force_login(vera)
    response = invite(email=NEW_EMAIL, organisation=var_org.pk, role="coordinator")

    assert response.context["form"].errors["role"] == ["Kies binnen de VAR de rol VAR-medewerker of beheerder."]
    assert not User.objects.filter(email=NEW_EMAIL).exists()


def test_it_refuses_an_invalid_email_address_in_dutch(invite, client, vera, org_a):
    client.force_login(vera)
    response = invite(email="geen-adres", organisation=org_a.pk, role="viewer")

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "Vul een geldig e-mailadres in, bijvoorbeeld naam@gemeente.nl."
    ]
    assert mail.outbox == []


def test_it_offers_no_organisation_that_has_ended(invite, client, vera):
    ended = Organisation.objects.get(slug="gemeente-brielle")
    client.force_login(vera)
    response = invite(email=NEW_EMAIL, organisation=ended.pk, role="viewer")

    assert "organisation" in response.context["form"].errors
    assert not User.objects.filter(email=NEW_EMAIL).exists()


def test_it_makes_an_invited_administrator_staff_in_django(invite, client, adam, var_org):
    client.force_login(adam)
    invite(email="nieuwe-beheerder@var.invalid", organisation=var_org.pk, role="administrator")

    user = User.objects.get(email="nieuwe-beheerder@var.invalid")
    assert user.is_staff and user.is_superuser


def test_it_refuses_invitations_from_partners(invite, client, alice, org_a):
    client.force_login(alice)
    response = invite(email=NEW_EMAIL, organisation=org_a.pk, role="viewer")

    assert response.status_code == 404
    assert not User.objects.filter(email=NEW_EMAIL).exists()
    assert mail.outbox == []


def test_it_refuses_invitations_from_partners_in_the_service(alice, org_a):
    with pytest.raises(Http404):
        invitations.invite_person(email=NEW_EMAIL, organisation=org_a, role="viewer", invited_by=alice)
    assert not User.objects.filter(email=NEW_EMAIL).exists()


# --- changing roles ---------------------------------------------------------------------------


def test_it_changes_a_role_and_records_it(vera, bob):
    membership = Membership.objects.get(user=bob)
    services.change_role(membership=membership, role=Role.COORDINATOR, changed_by=vera)

    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR
    event = AuditEvent.objects.get(action=AuditEvent.Action.MEMBERSHIP_CHANGED)
    assert event.actor == vera
    assert event.data == {"old": "contributor", "new": "coordinator"}
    assert event.summary == f"{bob.email}: Invoerder → Coördinator"


def test_it_makes_and_unmakes_django_staff_with_the_administrator_role(adam, vera):
    membership = Membership.objects.get(user=vera)
    services.change_role(membership=membership, role=Role.ADMINISTRATOR, changed_by=adam)
    vera.refresh_from_db()
    assert vera.is_staff and vera.is_superuser

    services.change_role(membership=membership, role=Role.REVIEWER, changed_by=adam)
    vera.refresh_from_db()
    assert not vera.is_staff and not vera.is_superuser


def test_it_refuses_role_changes_that_do_not_fit_the_organisation(vera, bob, adam):
    with pytest.raises(ValidationError):
        services.change_role(membership=Membership.objects.get(user=bob), role=Role.ADMINISTRATOR, changed_by=vera)
    with pytest.raises(ValidationError):
        services.change_role(membership=Membership.objects.get(user=vera), role=Role.VIEWER, changed_by=adam)
    assert Membership.objects.get(user=bob).role == Role.CONTRIBUTOR
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MEMBERSHIP_CHANGED).exists()


def test_it_refuses_role_changes_by_partners(alice, bob):
    with pytest.raises(Http404):
        services.change_role(membership=Membership.objects.get(user=bob), role=Role.VIEWER, changed_by=alice)


def test_it_changes_a_role_through_the_staff_page(client, adam, vera):
    membership = Membership.objects.get(user=vera)
    client.force_login(adam)
    response = client.post(
        reverse("change_membership", kwargs={"pk": membership.pk}), {f"m{membership.pk}-role": "administrator"}
    )

    assert response.status_code == 302
    vera.refresh_from_db()
    assert Membership.objects.get(user=vera).role == Role.ADMINISTRATOR
    assert vera.is_staff and vera.is_superuser
    assert any(vera.email in m for m in _messages(response))


def test_it_shows_why_a_role_change_was_refused(client, vera, bob):
    membership = Membership.objects.get(user=bob)
    client.force_login(vera)
    url = reverse("change_membership", kwargs={"pk": membership.pk})

    response = client.post(url, {f"m{membership.pk}-role": "administrator"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "De rollen VAR-medewerker en beheerder bestaan alleen binnen de VAR."
    ]
    response = client.post(url, {f"m{membership.pk}-role": "keizer"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Kies een geldige rol."]
    assert Membership.objects.get(user=bob).role == Role.CONTRIBUTOR


# --- removing memberships ---------------------------------------------------------------------


def test_it_removes_a_membership_and_records_it(vera, bob, org_a):
    membership = Membership.objects.get(user=bob)
    services.remove_membership(membership=membership, removed_by=vera)

    assert not Membership.objects.filter(user=bob).exists()
    assert User.objects.filter(pk=bob.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.MEMBERSHIP_REMOVED)
    assert (event.actor, event.organisation, event.data) == (vera, org_a, {"role": "contributor"})


def test_it_clears_django_staff_when_an_administrator_is_removed(adam, vera):
    membership = Membership.objects.get(user=vera)
    services.change_role(membership=membership, role=Role.ADMINISTRATOR, changed_by=adam)

    services.remove_membership(membership=membership, removed_by=adam)
    vera.refresh_from_db()
    assert not vera.is_staff and not vera.is_superuser


def test_it_refuses_to_remove_your_own_membership(vera):
    with pytest.raises(ValidationError, match="eigen lidmaatschap"):
        services.remove_membership(membership=Membership.objects.get(user=vera), removed_by=vera)
    assert Membership.objects.filter(user=vera).exists()


def test_it_refuses_removals_by_partners(alice, bob):
    with pytest.raises(Http404):
        services.remove_membership(membership=Membership.objects.get(user=bob), removed_by=alice)
    assert Membership.objects.filter(user=bob).exists()


def test_it_removes_a_membership_through_the_staff_page(client, adam, vera, var_org):
    membership = Membership.objects.get(user=vera)
    services.change_role(membership=membership, role=Role.ADMINISTRATOR, changed_by=adam)
    client.force_login(adam)
    response = client.post(reverse("remove_membership", kwargs={"pk": membership.pk}))

    assert response.status_code == 302
    assert response["Location"] == reverse("staff_organisation", kwargs={"slug": var_org.slug})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    vera.refresh_from_db()
    assert not vera.is_staff and not vera.is_superuser
    assert _messages(response) == ["Het lidmaatschap is verwijderd."]


def test_it_lets_a_reviewer_remove_a_partner_membership(client, vera, bob, org_a):
    client.force_login(vera)
    response = client.post(reverse("remove_membership", kwargs={"pk": Membership.objects.get(user=bob).pk}))

    assert response["Location"] == reverse("staff_organisation", kwargs={"slug": org_a.slug})
    assert not Membership.objects.filter(user=bob).exists()


def test_it_refuses_to_remove_your_own_membership_through_the_staff_page(client, vera):
    membership = Membership.objects.get(user=vera)
    client.force_login(vera)
    response = client.post(reverse("remove_membership", kwargs={"pk": membership.pk}))

    assert response.status_code == 302
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert _messages(response) == ["U kunt uw eigen lidmaatschap niet verwijderen."]


def test_it_lets_only_administrators_grant_the_administrator_role(vera, adam, var_org):
    from django.core.exceptions import ValidationError

    from apps.partners import invitations, services
    from apps.partners.models import Membership, Role

    own = Membership.objects.get(user=vera, organisation=var_org)
    with pytest.raises(ValidationError, match="Alleen een beheerder"):
        services.change_role(membership=own, role=Role.ADMINISTRATOR, changed_by=vera)
    with pytest.raises(ValidationError, match="Alleen een beheerder"):
        invitations.invite_person(email="nieuw@var.invalid", organisation=var_org, role=Role.ADMINISTRATOR, invited_by=vera)
    admin_membership = Membership.objects.get(user=adam, organisation=var_org)
    with pytest.raises(ValidationError, match="Alleen een beheerder"):
        services.remove_membership(membership=admin_membership, removed_by=vera)
    vera.refresh_from_db()
    assert not vera.is_superuser
    services.change_role(membership=own, role=Role.ADMINISTRATOR, changed_by=adam)
    vera.refresh_from_db()
    assert vera.is_superuser


def test_it_never_removes_the_last_administrator(adam, var_org):
    from django.core.exceptions import ValidationError

    from apps.partners import invitations, services
    from apps.partners.models import Membership, Role

    own = Membership.objects.get(user=adam, organisation=var_org)
    with pytest.raises(ValidationError, match="laatste beheerder"):
        services.change_role(membership=own, role=Role.REVIEWER, changed_by=adam)
