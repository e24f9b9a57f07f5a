"""The fixed cast of every test.

alice: coordinator of A; bob: contributor of A; vic: viewer of A; charlie: coordinator of B, the
outsider who must see nothing of A; vera: VAR staff; adam: administrator (both of the VAR).
"""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt

from apps.partners.models import Organisation, Role
from apps.partners.services import _sync_admin_flags
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

PASSWORD = "correct-horse-battery"


def ensure_reference_data() -> None:
    """Transactional tests flush the database; put the organisations of the data migration back."""
    from importlib import import_module

    from django.apps import apps

    import_module("apps.partners.migrations.0002_organisations").forwards(apps, None)


@pytest.fixture
def org_a(db) -> Organisation:
    return Organisation.objects.get(slug="gemeente-rotterdam")


@pytest.fixture
def org_b(db) -> Organisation:
    return Organisation.objects.get(slug="gemeente-dordrecht")


@pytest.fixture
def var_org(db) -> Organisation:
    return Organisation.objects.get(slug="var")


def _member(email: str, organisation: Organisation, role: str):
    user = UserFactory(email=email)
    MembershipFactory(user=user, organisation=organisation, role=role)
    _sync_admin_flags(user)
    return user


def _with_totp(user):
    """Give a staff user an authenticator so the two-factor rule lets them through."""
    # Stored as allauth stores it: encrypted by our MFA adapter (apps.partners.adapters.MFAAdapter).
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt("JBSWY3DPEHPK3PXP")})
    return user


@pytest.fixture
def alice(org_a):
    return _member("alice@rotterdam.invalid", org_a, Role.COORDINATOR)


@pytest.fixture
def bob(org_a):
    return _member("bob@rotterdam.invalid", org_a, Role.CONTRIBUTOR)


@pytest.fixture
def vic(org_a):
    return _member("vic@rotterdam.invalid", org_a, Role.VIEWER)


@pytest.fixture
def charlie(org_b):
    return _member("charlie@dordrecht.invalid", org_b, Role.COORDINATOR)


@pytest.fixture
def vera_without_mfa(var_org):
    return _member("vera@var.invalid", var_org, Role.REVIEWER)


@pytest.fixture
def vera(vera_without_mfa):
    return _with_totp(vera_without_mfa)


@pytest.fixture
def adam(var_org):
    return _with_totp(_member("adam@var.invalid", var_org, Role.ADMINISTRATOR))


@pytest.fixture
def other_org(db):
    return OrganisationFactory()


@pytest.fixture(autouse=True)
def _fresh_state():
    """Start every test with an empty cache and in Dutch: nothing leaks from one test to the next.

    A request in English leaves English active in the thread (Django does not switch back).
    """
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import translation

    from apps.monitor.aggregation import forget_catalogues
    from apps.submissions.selectors import forget_form_catalogues

    cache.clear()
    forget_catalogues()
    forget_form_catalogues()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)



def claimed_redis_url():
    """Yield the URL of an empty Redis database claimed for one test (tests/redis_db.py), then flush it.

    Skips without Redis, fails instead under REQUIRE_REDIS_TESTS=1 (CI).
    """
    import os

    from tests.redis_db import RedisUnavailable, claim

    try:
        (database,) = claim(1)
    except RedisUnavailable as error:
        if os.environ.get("REQUIRE_REDIS_TESTS") == "1":
            pytest.fail(str(error))
        pytest.skip(str(error))
    try:
        yield database.url
    finally:
        database.release()


@pytest.fixture
def redis_db():
    yield from claimed_redis_url()
