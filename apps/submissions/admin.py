"""The catalogue is editable per edition in the Django admin; figures are not edited here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.partners.admin import ReadOnlyAdminMixin
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


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ["year", "status", "opens_on", "deadline", "catalogue_version"]
    list_filter = ["status"]


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "edition"]
    list_filter = ["edition"]
    search_fields = ["code", "label"]
    inlines = [CategoryInline]


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Form)
class FormAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "edition", "order"]
    list_filter = ["edition"]
    inlines = [SectionInline]


class RuleInline(admin.TabularInline):
    model = Rule
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "kind", "section", "edition"]
    list_filter = ["edition", "kind", "chapter"]
    search_fields = ["code", "label"]
    list_select_related = ["section", "edition"]
    inlines = [RuleInline]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["organisation", "form", "edition", "status", "version", "updated_at"]
    list_filter = ["edition", "status", "form__code"]
    search_fields = ["organisation__name"]
    list_select_related = ["organisation", "form", "edition"]
    # Statuses change through the workflow services only; the admin shows, it does not decide.
    readonly_fields = [f.name for f in Submission._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Value)
class ValueAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Figures are shown with their history; they change only through the submission services,
    which refuse writes to locked submissions."""

    list_display = ["submission", "indicator", "row", "col", "number", "updated_at"]
    list_filter = ["submission__edition", "indicator__section__form__code"]
    list_select_related = ["submission__organisation", "submission__form", "submission__edition", "indicator"]


@admin.register(Explanation)
class ExplanationAdmin(SimpleHistoryAdmin):
    list_display = ["submission", "key", "updated_at"]
    raw_id_fields = ["submission", "updated_by"]
