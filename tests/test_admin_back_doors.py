"""The Django admin shows; it never writes around the services. One test per door that was open.

The last test walks every registered admin (and its inlines), so a new admin path that can add,
change or delete locked data without a service fails CI.
"""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin, ModelAdmin
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from apps.partners.models import AuditEvent, Membership, Organisation, Role
from apps.submissions import catalogue, services
from apps.submissions.models import Dimension, Edition, Explanation, Form, Indicator, Section, Submission, Value
from tests.conftest import PASSWORD

CTRL = "gem_bestuurlijke_controles"


def _url(obj, view="change", *args):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=[obj.pk, *args])


@pytest.fixture
def published(db, org_a, alice, vera):
    """Edition 2023, published, with Rotterdam's approved figure 58 and an explanation."""
    edition = services.create_edition(year=2023, created_by=None)
    services.open_edition(edition=edition, opened_by=None)
    submission = Submission.objects.get(edition=edition, organisation=org_a, form__code="gemeente")
    services.save_values(
        submission_id=submission.pk,
        user=alice,
        cells={(CTRL, "bouwplaatsen", ""): services.CellInput(number=58)},
        explanations={"uitleg": "Veel controles op bouwplaatsen."},
        base_version=submission.version,
    )
    services.transition(submission_id=submission.pk, action="submit", user=alice)
    services.transition(submission_id=submission.pk, action="approve", user=vera)
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.PUBLISHED, published_at=timezone.now())
    edition.refresh_from_db()
    return edition


@pytest.fixture
def edition_2024(db) -> Edition:
    edition = services.create_edition(year=2024, created_by=None)
    services.open_edition(edition=edition, opened_by=None)
    return edition


@pytest.fixture
def value(published) -> Value:
    return Value.objects.get(submission__edition=published, row="bouwplaatsen")


@pytest.fixture
def admin_client(client, adam):
    client.force_login(adam)
    return client


# -- figures and explanations ------------------------------------------------------------------------


def test_it_refuses_the_history_revert_form_of_a_published_figure(admin_client, value):
    record = value.history.earliest()
    url = reverse("admin:submissions_value_simple_history", args=[value.pk, record.history_id])

    response = admin_client.post(url, {"number": 9999, "row": value.row, "col": value.col})

    assert response.status_code == 403
    value.refresh_from_db()
    assert value.number == 58


def test_it_still_shows_the_history_of_a_figure(admin_client, value):
    assert admin_client.get(_url(value, "history")).status_code == 200


def test_it_refuses_the_history_revert_form_of_an_explanation(admin_client, published):
    explanation = Explanation.objects.get(submission__edition=published)
    record = explanation.history.earliest()
    url = reverse("admin:submissions_explanation_simple_history", args=[explanation.pk, record.history_id])

    response = admin_client.post(url, {"key": "uitleg", "text": "Anders", "submission": explanation.submission_id})

    assert response.status_code == 403
    explanation.refresh_from_db()
    assert explanation.text == "Veel controles op bouwplaatsen."


def test_it_refuses_to_change_an_explanation_in_the_admin(admin_client, published):
    explanation = Explanation.objects.get(submission__edition=published)

    response = admin_client.post(_url(explanation), {"key": "uitleg", "text": "Anders", "submission": explanation.submission_id})

    assert response.status_code == 403
    explanation.refresh_from_db()
    assert explanation.text == "Veel controles op bouwplaatsen."


def test_it_refuses_to_add_or_delete_explanations_in_the_admin(admin_client, published):
    explanation = Explanation.objects.get(submission__edition=published)
    assert admin_client.get(reverse("admin:submissions_explanation_add")).status_code == 403
    assert admin_client.post(_url(explanation, "delete"), {"post": "yes"}).status_code == 403
    assert Explanation.objects.filter(pk=explanation.pk).exists()


# -- editions --------------------------------------------------------------------------------------


def test_it_refuses_to_change_an_edition_status_in_the_admin(admin_client, published):
    response = admin_client.post(_url(published), {"year": 2023, "status": Edition.Status.OPEN})

    assert response.status_code == 403
    published.refresh_from_db()
    assert published.status == Edition.Status.PUBLISHED


def test_it_shows_an_edition_read_only(admin_client, published):
    response = admin_client.get(_url(published))

    assert response.status_code == 200
    assert b'name="status"' not in response.content
    assert "Gepubliceerd" in response.content.decode()


# -- the catalogue ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Dimension, Form, Indicator])
def test_it_refuses_catalogue_changes_of_a_published_edition_in_the_admin(admin_client, published, model):
    obj = model.objects.filter(edition=published).first()
    before = model.objects.filter(pk=obj.pk).values().get()

    response = admin_client.post(_url(obj), {"code": obj.code, "label": "Gewijzigd", "title": "Gewijzigd"})

    assert response.status_code == 403
    assert model.objects.filter(pk=obj.pk).values().get() == before
    assert admin_client.post(_url(obj, "delete"), {"post": "yes"}).status_code == 403


def test_it_offers_only_unpublished_editions_for_new_catalogue_items(admin_client, published):
    preparation = Edition.objects.create(year=2030)
    response = admin_client.get(reverse("admin:submissions_dimension_add"))

    choices = list(response.context["adminform"].form.fields["edition"].queryset)
    assert choices == [preparation]


def test_it_saves_an_unpublished_catalogue_through_the_audited_service(admin_client, adam, edition_2024):
    dimension = Dimension.objects.filter(edition=edition_2024).first()
    revision = edition_2024.catalogue_revision

    response = admin_client.post(
        _url(dimension),
        {
            "edition": edition_2024.pk,
            "code": dimension.code,
            "label": "Nieuw label",
            "categories-TOTAL_FORMS": 0,
            "categories-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    dimension.refresh_from_db()
    assert dimension.label == "Nieuw label"
    event = AuditEvent.objects.get(action=AuditEvent.Action.CATALOGUE_CHANGED, actor=adam)
    assert event.data["fields"] == ["label"] and event.data["edition"] == 2024
    edition_2024.refresh_from_db()
    assert edition_2024.catalogue_revision > revision


def test_it_refuses_a_shell_save_of_a_published_catalogue(published):
    indicator = Indicator.objects.filter(edition=published).first()
    indicator.label = "Via de shell"

    with pytest.raises(catalogue.CatalogueFrozen):
        indicator.save()
    with pytest.raises(catalogue.CatalogueFrozen):
        Section.objects.filter(form__edition=published).first().delete()


def test_it_refuses_to_move_a_catalogue_item_out_of_a_published_edition(published):
    other = Edition.objects.create(year=2030)
    dimension = Dimension.objects.filter(edition=published).first()
    dimension.edition = other

    with pytest.raises(catalogue.CatalogueFrozen):
        dimension.save()


def test_it_refuses_load_catalogue_on_a_published_edition(published):
    before = list(Indicator.objects.filter(edition=published).values())

    with pytest.raises(CommandError, match="gepubliceerd"):
        call_command("load_catalogue", "2023")

    assert list(Indicator.objects.filter(edition=published).values()) == before
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CATALOGUE_CHANGED, object_id=str(published.pk)).exclude(
        at__lt=published.published_at
    ).exists()


def test_it_audits_loading_a_catalogue(edition_2024):
    call_command("load_catalogue", "2024")
    event = AuditEvent.objects.filter(action=AuditEvent.Action.CATALOGUE_CHANGED, object_id=str(edition_2024.pk)).first()
    assert event.data["updated"] > 0 and event.actor is None


# -- users, memberships, organisations -------------------------------------------------------------


def test_it_ignores_membership_rows_posted_to_the_user_page(admin_client, vic):
    membership = Membership.objects.get(user=vic)
    data = {
        "email": vic.email,
        "name": vic.name,
        "is_active": "on",
        "memberships-TOTAL_FORMS": 1,
        "memberships-INITIAL_FORMS": 1,
        "memberships-0-id": membership.pk,
        "memberships-0-user": vic.pk,
        "memberships-0-organisation": membership.organisation_id,
        "memberships-0-role": Role.COORDINATOR,
    }

    response = admin_client.post(_url(vic), data)

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_it_audits_deactivating_a_user_in_the_admin(admin_client, adam, vic):
    response = admin_client.post(_url(vic), {"name": vic.name, "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0})

    assert response.status_code == 302
    vic.refresh_from_db()
    assert not vic.is_active
    event = AuditEvent.objects.get(action=AuditEvent.Action.DEACTIVATED)
    assert event.actor == adam and event.object_id == str(vic.pk)


def test_it_does_not_let_an_administrator_deactivate_themselves(admin_client, adam):
    response = admin_client.post(_url(adam), {"name": adam.name, "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0})

    assert response.status_code == 200
    assert "eigen account" in response.content.decode()
    adam.refresh_from_db()
    assert adam.is_active


def test_it_does_not_set_passwords_in_the_admin(admin_client, vic):
    url = reverse("admin:auth_user_password_change", args=[vic.pk])

    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"password1": "nieuw-wachtwoord-123", "password2": "nieuw-wachtwoord-123"}).status_code == 403
    vic.refresh_from_db()
    assert vic.check_password(PASSWORD)


def test_it_does_not_delete_users_in_the_admin(admin_client, vic):
    assert admin_client.post(_url(vic, "delete"), {"post": "yes"}).status_code == 403
    vic.refresh_from_db()


def test_it_audits_an_organisation_rename_in_the_admin(admin_client, adam, org_b):
    response = admin_client.post(
        _url(org_b),
        {"name": "Gemeente Dordrecht (nieuw)", "short_name": "", "slug": org_b.slug, "kind": org_b.kind,
         "subregion": org_b.subregion, "cbs_code": org_b.cbs_code},
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditEvent.Action.ORGANISATION_RENAMED)
    assert event.actor == adam and event.summary == "Gemeente Dordrecht → Gemeente Dordrecht (nieuw)"
    assert event.organisation == org_b


def test_it_does_not_flip_is_var_of_an_organisation_with_members(org_a, alice):
    org_a.is_var = True
    with pytest.raises(Exception, match="VAR"):
        org_a.save()


# -- authenticators --------------------------------------------------------------------------------


def test_it_never_shows_a_totp_secret_in_the_admin(admin_client, vera):
    authenticator = Authenticator.objects.get(user=vera)
    page = admin_client.get(_url(authenticator)).content.decode()

    assert authenticator.data["secret"] not in page
    assert "JBSWY3DPEHPK3PXP" not in page


def test_it_audits_an_administrator_removing_someones_totp(admin_client, adam, vera):
    authenticator = Authenticator.objects.get(user=vera)

    response = admin_client.post(_url(authenticator, "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=authenticator.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.MFA_REMOVED_BY_ADMIN)
    assert event.actor == adam and event.object_id == str(vera.pk) and event.data["type"] == "totp"


# -- every admin, walked ---------------------------------------------------------------------------

# Admins that may still write, what they may do on existing data, and the service their save calls.
# Anything not listed here must be read-only. Adding an entry means writing that service first.
WRITERS = {
    "partners.user": {"change"},  # services.update_account (audited): name, active
    "partners.organisation": {"add", "change"},  # services.save_organisation (audited)
    "mfa.authenticator": {"delete"},  # services.remove_authenticator (audited)
    # The catalogue: new items only for unpublished editions (the choices say so; the service
    # refuses otherwise). Existing items of a published edition: nothing.
    "submissions.dimension": {"add"},
    "submissions.form": {"add"},
    "submissions.indicator": {"add"},
}


def _sample(model):
    """A locked object of the model: the published edition's, or any (accounts, audit)."""
    if model is Edition:
        return model.objects.get(status=Edition.Status.PUBLISHED)
    return model._default_manager.order_by("pk").first()


def test_it_walks_every_admin_and_finds_no_write_around_a_service(published, adam, vera, org_b):
    request = RequestFactory().get("/admin/")
    request.user = adam
    assert adam.is_superuser  # the strongest user: Django's own permissions say yes to everything
    seen = set()

    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        seen.add(label)
        obj = _sample(model)
        assert obj is not None, f"{label}: the test world has no object to try"
        allowed = WRITERS.get(label, set())
        granted = {
            name
            for name, ok in (
                ("add", model_admin.has_add_permission(request)),
                ("change", model_admin.has_change_permission(request, obj)),
                ("delete", model_admin.has_delete_permission(request, obj)),
            )
            if ok
        }
        assert granted == allowed, f"{label}: admin allows {sorted(granted)}, expected {sorted(allowed)}"
        # Whatever it may do, it must do through an overridden (service-calling) method.
        if granted & {"add", "change"}:
            assert type(model_admin).save_model is not ModelAdmin.save_model, f"{label}: saves without a service"
        if "delete" in granted:
            assert type(model_admin).delete_model is not ModelAdmin.delete_model, f"{label}: deletes without a service"
            assert type(model_admin).delete_queryset is not ModelAdmin.delete_queryset, label
        for inline in model_admin.get_inline_instances(request, obj):
            assert isinstance(inline, InlineModelAdmin)
            inline_label = inline.model._meta.label_lower
            assert not inline.has_add_permission(request, obj), f"{label} → {inline_label}: adds"
            assert not inline.has_change_permission(request, obj), f"{label} → {inline_label}: changes"
            assert not inline.has_delete_permission(request, obj), f"{label} → {inline_label}: deletes"
        if isinstance(model_admin, SimpleHistoryAdmin):
            record = obj.history.first()
            post = RequestFactory().post("/admin/", {})
            post.user = adam
            with pytest.raises(PermissionDenied):
                model_admin.history_form_view(post, str(obj.pk), str(record.history_id))

    # The walk covered the whole site; a removed registration is noticed too.
    assert {"submissions.value", "submissions.explanation", "submissions.edition", "partners.user"} <= seen
    assert set(WRITERS) <= seen
    assert Organisation.objects.exists()


@pytest.mark.parametrize(
    ("model", "headers"),
    [
        (Value, ["Aanlevering", "Indicator", "Aantal", "Gewijzigd op"]),
        (Submission, ["Organisatie", "Formulier", "Editie", "Status"]),
        (Authenticator, ["Gebruiker", "Soort", "Ingesteld op", "Laatst gebruikt"]),
    ],
)
def test_it_names_admin_columns_in_dutch(admin_client, published, model, headers):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    page = admin_client.get(url).content.decode()

    for header in headers:
        assert f">{header}</" in page, header
