"""The admin shows editions, submissions and figures; it edits only an unpublished catalogue.

Figures, explanations, statuses and edition dates change through the services (workflow, edition
pages). The catalogue of an edition in preparation, open or closed may still be corrected here;
each save goes through apps/submissions/catalogue.py, which refuses a published edition and writes
an audit entry. tests/test_admin_back_doors.py walks every registered admin.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from apps.partners.admin import ReadOnlyAdminMixin
from apps.submissions import catalogue
from apps.submissions.models import (
    Category,
    Dimension,
    Edition,
    Explanation,
    Form,
    Indicator,
    Rule,
    Section,
    Submission,
    Value,
)


class ReadOnlyHistoryAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """History to read, never to revert: simple-history's version form saves on POST even for a
    read-only admin, so POSTs to it are refused here (and SIMPLE_HISTORY_REVERT_DISABLED hides the button)."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Edition)
class EditionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Shown only: status and dates change on the staff edition pages, through the services."""

    list_display = ["year", "status", "opens_on", "deadline", "catalogue_version", "published_at"]
    list_filter = ["status"]


# -- the catalogue ------------------------------------------------------------------------------------


def _editable(obj) -> bool:
    """Whether the catalogue object may change: new, or in an edition that is not published."""
    return obj is None or obj.pk is None or catalogue.edition_of(obj).status != Edition.Status.PUBLISHED


def _unpublished_editions():
    return Edition.objects.exclude(status=Edition.Status.PUBLISHED)


# Which foreign key leads to the edition, per catalogue model: choices are limited to unpublished ones.
_PARENT_CHOICES = {
    "edition": lambda: _unpublished_editions(),
    "dimension": lambda: Dimension.objects.filter(edition__in=_unpublished_editions()),
    "form": lambda: Form.objects.filter(edition__in=_unpublished_editions()),
    "indicator": lambda: Indicator.objects.filter(edition__in=_unpublished_editions()),
    "section": lambda: Section.objects.filter(form__edition__in=_unpublished_editions()),
    "row_dimension": lambda: Dimension.objects.filter(edition__in=_unpublished_editions()),
    "col_dimension": lambda: Dimension.objects.filter(edition__in=_unpublished_editions()),
}


class CatalogueChoicesMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in _PARENT_CHOICES:
            kwargs["queryset"] = _PARENT_CHOICES[db_field.name]()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CatalogueAdmin(CatalogueChoicesMixin, admin.ModelAdmin):
    """Frozen once the edition is published; every write goes through the catalogue service."""

    actions = None

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        catalogue.save_catalogue_object(obj=obj, user=request.user, changed=form.changed_data, request=request)

    def delete_model(self, request, obj):
        catalogue.delete_catalogue_object(obj=obj, user=request.user, request=request)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            catalogue.delete_catalogue_object(obj=obj, user=request.user, request=request)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            catalogue.save_catalogue_object(obj=obj, user=request.user, request=request)
        for obj in formset.deleted_objects:
            catalogue.delete_catalogue_object(obj=obj, user=request.user, request=request)


class CatalogueInline(CatalogueChoicesMixin, admin.TabularInline):
    """`obj` is the parent (dimension, form, indicator): its edition decides."""

    extra = 0

    def has_add_permission(self, request, obj):
        return _editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)


class CategoryInline(CatalogueInline):
    model = Category


@admin.register(Dimension)
class DimensionAdmin(CatalogueAdmin):
    list_display = ["code", "label", "edition"]
    list_filter = ["edition"]
    search_fields = ["code", "label"]
    inlines = [CategoryInline]


class SectionInline(CatalogueInline):
    model = Section


@admin.register(Form)
class FormAdmin(CatalogueAdmin):
    list_display = ["code", "title", "edition", "order"]
    list_filter = ["edition"]
    inlines = [SectionInline]


class RuleInline(CatalogueInline):
    model = Rule


@admin.register(Indicator)
class IndicatorAdmin(CatalogueAdmin):
    list_display = ["code", "label", "kind", "section", "edition"]
    list_filter = ["edition", "kind", "chapter"]
    search_fields = ["code", "label"]
    list_select_related = ["section", "edition"]
    inlines = [RuleInline]


# -- submissions and figures: shown only ----------------------------------------------------------------


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Statuses change through the workflow services only; the admin shows, it does not decide."""

    list_display = ["organisation", "form", "edition", "status", "version", "updated_at"]
    list_filter = ["edition", "status", "form__code"]
    search_fields = ["organisation__name"]
    list_select_related = ["organisation", "form", "edition"]


@admin.register(Value)
class ValueAdmin(ReadOnlyHistoryAdmin):
    """Figures are shown with their history; they change only through the submission services,
    which refuse writes to locked submissions."""

    list_display = ["submission", "indicator", "row", "col", "number", "updated_at"]
    list_filter = ["submission__edition", "indicator__section__form__code"]
    list_select_related = ["submission__organisation", "submission__form", "submission__edition", "indicator"]


@admin.register(Explanation)
class ExplanationAdmin(ReadOnlyHistoryAdmin):
    """Explanations belong to the submission: written on its form, through save_values."""

    list_display = ["submission", "key", "text_preview", "updated_at"]
    raw_id_fields = ["submission", "updated_by"]
    list_select_related = ["submission__organisation", "submission__form", "submission__edition"]

    @admin.display(description=_("toelichting"))
    def text_preview(self, obj):
        return obj.text[:80]
