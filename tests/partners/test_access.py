"""The access module: who may see and change which organisation."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from apps.partners import access
from apps.partners.models import Membership, Organisation, Role


def test_it_maps_organisations_to_roles(alice, org_a):
    assert access.roles_by_organisation(alice) == {org_a.pk: Role.COORDINATOR}


def test_it_gives_no_roles_to_anonymous_or_inactive_users(alice):
    assert access.roles_by_organisation(AnonymousUser()) == {}
    alice.is_active = False
    assert access.roles_by_organisation(alice) == {}


def test_it_caches_roles_until_forgotten(alice, org_b):
    access.roles_by_organisation(alice)
    Membership.objects.create(user=alice, organisation=org_b, role=Role.VIEWER)
    assert org_b.pk not in access.roles_by_organisation(alice)
    access.forget_roles(alice)
    assert access.roles_by_organisation(alice)[org_b.pk] == Role.VIEWER


def test_it_knows_var_staff_and_administrators(alice, charlie, vera, adam):
    assert [access.is_var_staff(u) for u in (alice, charlie, vera, adam)] == [False, False, True, True]
    assert [access.is_administrator(u) for u in (alice, charlie, vera, adam)] == [False, False, False, True]


def test_it_treats_anonymous_users_as_nobody(org_a):
    anonymous = AnonymousUser()
    assert not access.is_var_staff(anonymous)
    assert not access.can_read(anonymous, org_a)
    assert list(access.organisations_for(anonymous)) == []


@pytest.mark.parametrize(
    ("who", "read", "edit", "submit"),
    [
        ("alice", True, True, True),
        ("bob", True, True, False),
        ("vic", True, False, False),
        ("charlie", False, False, False),
        ("vera", True, False, False),
        ("adam", True, False, False),
    ],
)
def test_it_grants_rights_on_a_partner_organisation_per_role(request, org_a, who, read, edit, submit):
    user = request.getfixturevalue(who)
    assert access.can_read(user, org_a) is read
    assert access.can_read(user, org_a.pk) is read
    assert access.can_edit_drafts(user, org_a) is edit
    assert access.can_submit(user, org_a) is submit


@pytest.mark.parametrize("who", ["vera", "adam"])
def test_it_lets_var_staff_edit_and_submit_for_the_var(request, var_org, who):
    user = request.getfixturevalue(who)
    assert access.can_edit_drafts(user, var_org)
    assert access.can_submit(user, var_org)


def test_it_keeps_partners_out_of_the_var_organisation(alice, var_org):
    assert not access.can_read(alice, var_org)
    assert not access.can_edit_drafts(alice, var_org)


def test_it_shows_partners_only_their_own_organisations(alice, charlie, org_a, org_b):
    assert list(access.organisations_for(alice)) == [org_a]
    assert list(access.organisations_for(charlie)) == [org_b]


def test_it_shows_staff_every_organisation(vera):
    assert access.organisations_for(vera).count() == Organisation.objects.count()


def test_it_returns_the_organisation_to_a_member(alice, org_a):
    assert access.get_organisation_for_user(alice, org_a.slug) == org_a


def test_it_hides_another_organisation_with_404(charlie, org_a):
    with pytest.raises(Http404):
        access.get_organisation_for_user(charlie, org_a.slug)


def test_it_gives_404_for_an_unknown_slug(vera):
    with pytest.raises(Http404):
        access.get_organisation_for_user(vera, "bestaat-niet")


def test_it_lets_staff_open_any_organisation(vera, org_b):
    assert access.get_organisation_for_user(vera, org_b.slug) == org_b


def test_it_requires_staff_with_404(alice, vera):
    with pytest.raises(Http404):
        access.require_staff(alice)
    access.require_staff(vera)
