"""Removing a membership asks first; role lists offer only roles that fit the organisation."""

from __future__ import annotations

from django.urls import reverse

from apps.partners.forms import InvitationForm, MembershipRoleForm
from apps.partners.models import Membership, Role


def test_it_asks_for_confirmation_before_removing_a_membership(client, vera, bob):
    membership = Membership.objects.get(user=bob)
    client.force_login(vera)
    response = client.get(reverse("remove_membership", args=[membership.pk]))
    assert response.status_code == 200
    assert "Lidmaatschap verwijderen?" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()  # a GET never removes
    client.post(reverse("remove_membership", args=[membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_it_links_verwijderen_to_the_confirmation_page(client, vera, bob, org_a):
    membership = Membership.objects.get(user=bob)
    client.force_login(vera)
    html = client.get(reverse("staff_organisation", kwargs={"slug": org_a.slug})).content.decode()
    assert f'href="{reverse("remove_membership", args=[membership.pk])}"' in html


def test_it_offers_a_municipality_only_partner_roles(org_a, var_org):
    offered = {value for value, __ in MembershipRoleForm(organisation=org_a).fields["role"].choices}
    assert offered == {Role.COORDINATOR, Role.CONTRIBUTOR, Role.VIEWER}
    offered = {value for value, __ in MembershipRoleForm(organisation=var_org).fields["role"].choices}
    assert offered == {Role.REVIEWER, Role.ADMINISTRATOR}


def test_it_shows_only_fitting_roles_on_the_organisations_page(client, vera, bob, org_a):
    client.force_login(vera)
    html = client.get(reverse("staff_organisation", kwargs={"slug": org_a.slug})).content.decode()
    assert 'value="reviewer"' not in html and 'value="administrator"' not in html


def test_it_invites_for_a_chosen_organisation_with_only_its_roles(client, vera, org_a):
    client.force_login(vera)
    html = client.get(reverse("invite") + f"?organisatie={org_a.slug}").content.decode()
    assert 'value="coordinator"' in html and 'value="reviewer"' not in html


def test_it_groups_the_roles_when_no_organisation_is_chosen(db):
    groups = [label for label, __ in InvitationForm().fields["role"].choices]
    assert [str(g) for g in groups] == ["Voor partnerorganisaties", "Alleen binnen de VAR"]


def test_it_hides_the_confirmation_page_from_partners(client, alice, bob):
    client.force_login(alice)
    assert client.get(reverse("remove_membership", args=[Membership.objects.get(user=bob).pk])).status_code == 404
