"""Forms of the staff pages: shape only; the services decide."""

import re

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from apps.partners.models import OrganisationKind, Subregion
from apps.submissions.editions import check_dates


class ReviewForm(forms.Form):
    ACTIONS = [
        ("approve", _("Goedkeuren")),
        ("return", _("Terugsturen")),
        ("reopen", _("Heropenen")),
        ("not_applicable", _("Niet van toepassing dit jaar")),
        ("restore", _("Terugzetten naar concept")),
    ]
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Opmerking voor de organisatie"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Verplicht bij terugsturen en heropenen: de ontvanger leest dit als reden."),
    )


class AsciiYearField(forms.IntegerField):
    """A year typed as four ordinary digits: int() would also take "２０２５" or Arabic-Indic digits."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not re.fullmatch(r"[0-9]{4}", text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Vul een geldige datum in, bijvoorbeeld 2026-03-01.")},
    )


class EditionDatesForm(forms.Form):
    """Opening date and deadline; the same rule as the service, shown beside the deadline."""

    opens_on = _date_field(_("Opent op"))
    deadline = _date_field(_("Deadline"))

    def clean(self):
        cleaned = super().clean()
        if error := check_dates(cleaned.get("opens_on"), cleaned.get("deadline")):
            self.add_error("deadline", error)
        return cleaned


class EditionCreateForm(EditionDatesForm):
    year = AsciiYearField(
        label=_("Jaar"),
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": _("Vul een jaartal in van vier cijfers (0-9), bijvoorbeeld 2025.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    field_order = ["year", "opens_on", "deadline"]


class ReasonForm(forms.Form):
    """A required reason: for publishing with open submissions, a correction, or a completeness state."""

    reason = forms.CharField(
        label=_("Reden"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Geef een reden op.")},
    )


class PublishForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden om nu te publiceren"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Verplicht zolang er aanleveringen open zijn; de reden staat bij de gepubliceerde editie."),
    )


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden van de correctie"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Staat straks bij de herziene editie: „Herzien op …, reden: …”."),
        error_messages={"required": _("Geef de reden van de correctie.")},
    )
    submissions = forms.TypedMultipleChoiceField(
        label=_("Aanleveringen die de correctie betreft"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies minstens één aanlevering.")},
    )

    def __init__(self, *args, choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submissions"].choices = choices


def checkbox_list(field: forms.BoundField) -> SafeString:
    """A multiple-choice field's boxes as Bootstrap markup, written in one pass.

    The correction page lists every final submission of an edition (1,000 at 50 times the region):
    Django's widget templates took about 0.3 ms a box. Same markup as crispy's: labelled boxes,
    the ticked ones kept after an error, the error beside the field.
    """
    selected = {str(value) for value in (field.value() or [])}
    invalid = " is-invalid" if field.errors else ""
    boxes = format_html_join(
        "",
        '<div class="form-check"><input type="checkbox" class="form-check-input{}" name="{}" value="{}" '
        'id="{}_{}"{}><label class="form-check-label" for="{}_{}">{}</label></div>',
        (
            (invalid, field.html_name, value, field.auto_id, i, mark_safe(" checked") if str(value) in selected else "",
             field.auto_id, i, label)
            for i, (value, label) in enumerate(field.field.choices)
        ),
    )
    errors = format_html_join("", '<div class="invalid-feedback d-block"><strong>{}</strong></div>', ((e,) for e in field.errors))
    return format_html(
        '<fieldset class="mb-3" id="div_{}"><legend class="form-label fs-6">{}<span class="asteriskField">*</span>'
        "</legend>{}{}</fieldset>",
        field.auto_id, field.label, boxes, errors,
    )


class OverviewFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Soort"), required=False, choices=[("", _("Alle soorten")), *OrganisationKind.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    subregion = forms.ChoiceField(
        label=_("Subregio"), required=False, choices=[("", _("Alle subregio's")), *Subregion.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
