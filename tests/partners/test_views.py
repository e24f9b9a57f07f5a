"""Start pages, organisation pages, staff pages, the health check and Django's admin."""

import pytest
from django.urls import reverse

from apps.partners.models import Membership, Role


def _login_url():
    return reverse("account_login")


# --- home -------------------------------------------------------------------------------------


def test_it_sends_a_partner_with_one_organisation_to_it(client, alice, org_a):
    client.force_login(alice)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("organisation_detail", kwargs={"slug": org_a.slug})


def test_it_lists_the_organisations_of_a_partner_with_several(client, alice, org_b):
    Membership.objects.create(user=alice, organisation=org_b, role=Role.VIEWER)
    client.force_login(alice)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert {o.slug for o in response.context["organisations"]} == {"gemeente-rotterdam", "gemeente-dordrecht"}


def test_it_sends_staff_to_their_work_queue(client, vera):
    client.force_login(vera)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("staff_home")


def test_it_sends_anonymous_visitors_to_the_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(_login_url())


# --- organisation detail ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "bob", "vic"])
def test_it_shows_the_organisation_to_its_members(request, client, org_a, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("organisation_detail", kwargs={"slug": org_a.slug}))
    assert response.status_code == 200
    assert response.context["organisation"] == org_a
    assert org_a.name in response.content.decode()


def test_it_shows_the_role_of_the_member(client, vic, org_a):
    client.force_login(vic)
    response = client.get(reverse("organisation_detail", kwargs={"slug": org_a.slug}))
    assert response.context["role_label"] == "Lezer"


def test_it_hides_an_organisation_from_an_outsider(client, charlie, org_a):
    client.force_login(charlie)
    response = client.get(reverse("organisation_detail", kwargs={"slug": org_a.slug}))
    assert response.status_code == 404
    assert org_a.name not in response.content.decode()


def test_it_gives_404_for_an_unknown_organisation(client, alice):
    client.force_login(alice)
    assert client.get(reverse("organisation_detail", kwargs={"slug": "bestaat-niet"})).status_code == 404


def test_it_sends_anonymous_visitors_of_an_organisation_to_the_login(client, org_a):
    response = client.get(reverse("organisation_detail", kwargs={"slug": org_a.slug}))
    assert response.status_code == 302
    assert response["Location"].startswith(_login_url())


# --- staff pages ------------------------------------------------------------------------------


def _staff_requests(org_b):
    membership = Membership.objects.get(organisation=org_b)
    return [
        ("get", reverse("staff_dashboard"), {}),
        ("get", reverse("staff_organisation", kwargs={"slug": org_b.slug}), {}),
        ("get", reverse("invite"), {}),
        ("post", reverse("invite"), {"email": "nieuw@example.invalid", "organisation": org_b.pk, "role": "viewer"}),
        ("post", reverse("change_membership", kwargs={"pk": membership.pk}), {f"m{membership.pk}-role": "viewer"}),
        ("post", reverse("remove_membership", kwargs={"pk": membership.pk}), {}),
    ]


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_it_hides_staff_pages_from_partners(request, client, charlie, org_b, who):
    client.force_login(request.getfixturevalue(who))
    for method, url, data in _staff_requests(org_b):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url)
    membership = Membership.objects.get(organisation=org_b)
    assert membership.role == Role.COORDINATOR
    assert not Membership.objects.filter(user__email="nieuw@example.invalid").exists()


def test_it_sends_anonymous_visitors_of_staff_pages_to_the_login(client, charlie, org_b):
    for method, url, data in _staff_requests(org_b):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(_login_url())


def test_it_shows_the_staff_dashboard_to_staff(client, vera, org_a):
    client.force_login(vera)
    response = client.get(reverse("staff_dashboard"))
    assert response.status_code == 200
    assert org_a in response.context["organisations"]


def test_it_shows_an_organisation_with_its_members_to_staff(client, vera, alice, charlie, org_a):
    client.force_login(vera)
    response = client.get(reverse("staff_organisation", kwargs={"slug": org_a.slug}))
    assert response.status_code == 200
    body = response.content.decode()
    assert alice.email in body
    assert charlie.email not in body


def test_it_gives_staff_404_for_an_unknown_organisation(client, vera):
    client.force_login(vera)
    assert client.get(reverse("staff_organisation", kwargs={"slug": "bestaat-niet"})).status_code == 404


def test_it_shows_the_invitation_form_to_staff_with_the_organisation_filled_in(client, vera, org_a):
    client.force_login(vera)
    response = client.get(reverse("invite"), {"organisatie": org_a.slug})
    assert response.status_code == 200
    assert response.context["form"].initial["organisation"] == org_a


def test_it_lets_staff_change_and_remove_memberships(client, vera, charlie, org_b):
    membership = Membership.objects.get(user=charlie)
    client.force_login(vera)
    back = reverse("staff_organisation", kwargs={"slug": org_b.slug})
    response = client.post(reverse("change_membership", kwargs={"pk": membership.pk}), {f"m{membership.pk}-role": "viewer"})
    assert (response.status_code, response["Location"]) == (302, back)
    response = client.post(reverse("remove_membership", kwargs={"pk": membership.pk}))
    assert (response.status_code, response["Location"]) == (302, back)


def test_it_refuses_get_on_membership_changes(client, vera, charlie):
    membership = Membership.objects.get(user=charlie)
    client.force_login(vera)
    assert client.get(reverse("change_membership", kwargs={"pk": membership.pk})).status_code == 405
    # A GET on "remove" only asks for confirmation; nothing is removed.
    assert client.get(reverse("remove_membership", kwargs={"pk": membership.pk})).status_code == 200
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_it_gives_404_for_an_unknown_membership(client, vera):
    client.force_login(vera)
    assert client.post(reverse("change_membership", kwargs={"pk": 999999}), {}).status_code == 404
    assert client.post(reverse("remove_membership", kwargs={"pk": 999999})).status_code == 404


# --- Django admin -----------------------------------------------------------------------------


def test_it_opens_the_admin_to_an_administrator(client, adam):
    client.force_login(adam)
    assert client.get("/admin/").status_code == 200


def test_it_keeps_reviewers_out_of_the_admin(client, vera):
    client.force_login(vera)
    response = client.get("/admin/")
    assert response.status_code != 200
    # The admin sends them to its login, which allauth's secure_admin_login refuses.
    assert client.get("/admin/", follow=True).status_code == 403


def test_it_keeps_partners_out_of_the_admin(client, alice):
    client.force_login(alice)
    assert client.get("/admin/").status_code != 200
    assert client.get("/admin/", follow=True).status_code == 403


def test_it_sends_anonymous_admin_visitors_to_the_allauth_login(client, db):
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    final_url, _status = response.redirect_chain[-1]
    assert final_url == f"{_login_url()}?next=%2Fadmin%2F"
    assert "form" in response.context
