"""The admin shows accounts, organisations and the audit log; where it still edits, it calls a service.

Roles change only on the staff pages (apps/partners/services.py checks the role rules there);
passwords are set by their owner through the reset mail; secrets of authenticators are never shown.
tests/test_admin_back_doors.py walks every registered admin so a new write path fails CI.
"""

from allauth.account.admin import EmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from apps.partners import access, services
from apps.partners.models import AuditEvent, Membership, Organisation, User


class ReadOnlyAdminMixin:
    """Visible in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Shown only: roles are granted on the staff pages, where the role rules are checked."""

    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["organisation", "role", "invited_by", "created_at"]
    readonly_fields = fields


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "is_active"]

    def clean_is_active(self):
        is_active = self.cleaned_data["is_active"]
        if not is_active and self.instance.pk == getattr(self, "acting_user_id", None):
            raise forms.ValidationError(_("U kunt uw eigen account niet uitschakelen."))
        return is_active


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Accounts come from invitations and are never deleted (deactivate instead, audited)."""

    form = AccountForm
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "last_login"]
    search_fields = ["email", "name"]
    list_filter = ["is_active"]
    # No password field: the admin never sets one (the owner uses the reset mail). is_staff and
    # is_superuser follow the administrator role and are not edited here.
    fieldsets = [
        (None, {"fields": ["email"]}),
        (_("Gegevens"), {"fields": ["name", "is_active"]}),
        (_("Datums"), {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_fields = ["email", "last_login", "date_joined"]
    inlines = [MembershipInline]
    actions = None

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.acting_user_id = request.user.pk
        return form

    def save_model(self, request, obj, form, change):
        services.update_account(
            user=obj, name=obj.name, is_active=obj.is_active, changed_by=request.user, request=request
        )

    def user_change_password(self, request, id, form_url=""):
        raise PermissionDenied


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = services.ORGANISATION_FIELDS


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """Organisations are added and renamed here, through the service (audited); never deleted."""

    form = OrganisationForm
    list_display = ["name", "kind", "subregion", "cbs_code", "valid_from", "valid_to"]
    list_filter = ["kind", "subregion"]
    search_fields = ["name", "short_name", "cbs_code"]
    prepopulated_fields = {"slug": ["name"]}
    actions = None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.save_organisation(organisation=obj, changed_by=request.user, request=request)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "actor_email", "action", "organisation", "summary"]
    list_filter = ["action"]
    search_fields = ["actor_email", "summary", "object_id"]
    date_hierarchy = "at"


# -- allauth's models ---------------------------------------------------------------------------------

admin.site.unregister(Authenticator)
admin.site.unregister(EmailAddress)
# Groups and permissions are not used: what someone may do comes from their membership.
admin.site.unregister(Group)


@admin.register(Authenticator)
class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    """Who has which second factor; never its secret. An administrator may remove one (audited)."""

    list_display = ["person", "kind", "added", "last_used"]
    list_filter = []
    fields = ["person", "kind", "added", "last_used"]
    readonly_fields = fields
    actions = None

    # allauth's fields carry English names; the admin columns say it in Dutch.
    @admin.display(description=_("gebruiker"), ordering="user__email")
    def person(self, obj):
        return obj.user

    @admin.display(description=_("soort"), ordering="type")
    def kind(self, obj):
        return obj.get_type_display()

    @admin.display(description=_("ingesteld op"), ordering="created_at")
    def added(self, obj):
        return obj.created_at

    @admin.display(description=_("laatst gebruikt"), ordering="last_used_at")
    def last_used(self, obj):
        return obj.last_used_at

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return access.is_administrator(request.user)

    def delete_model(self, request, obj):
        services.remove_authenticator(authenticator=obj, removed_by=request.user, request=request)

    def delete_queryset(self, request, queryset):
        for authenticator in queryset:
            services.remove_authenticator(authenticator=authenticator, removed_by=request.user, request=request)


@admin.register(EmailAddress)
class EmailAddressReadOnlyAdmin(ReadOnlyAdminMixin, EmailAddressAdmin):
    """Login addresses are the VAR's to manage (by invitation); the admin only shows them."""

    actions = None
