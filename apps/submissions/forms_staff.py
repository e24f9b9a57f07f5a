"""Forms of the staff pages: shape only; the services decide."""

import re
from html import escape

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from apps.partners.models import OrganisationKind, Subregion
from apps.submissions.editions import check_dates
from apps.submissions.models import Submission


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


def correction_choices(candidates) -> list[tuple[str, list[tuple[int, str]]]]:
    """The correction's choices grouped by form: (form title, [(pk, organisation), ...]).

    `candidates`: (pk, short name, name, form title, status) in form order. The form title is said
    once per group, and the state only where it is not "goedgekeurd" (nearly every one), which
    halves the bytes of a thousand boxes.
    """
    labels = {value: str(label).lower() for value, label in Submission.Status.choices}
    groups: dict[str, list[tuple[int, str]]] = {}
    for pk, short_name, name, title, status in candidates:
        label = short_name or name
        if status != Submission.Status.APPROVED:
            label = f"{label} ({labels.get(status, status)})"
        groups.setdefault(title, []).append((pk, label))
    return list(groups.items())


def checkbox_list(field: forms.BoundField) -> SafeString:
    """A multiple-choice field's boxes, in groups where its choices have them, written in one pass.

    The correction page lists every final submission of an edition (1,000 at 50 times the region):
    Django's widget templates took about 0.3 ms a box. Each box sits inside its label (no ids to
    pair them); the ticked ones are kept after an error, the error beside the field. Values from
    the database go through `html.escape` (what Django's escape does after its lazy-string checks,
    which alone took half the time).
    """
    selected = {str(value) for value in (field.value() or [])}
    box = (
        f'<label class="form-check"><input type="checkbox" class="form-check-input{" is-invalid" if field.errors else ""}" '
        f'name="{escape(field.html_name)}" value="{{}}"{{}}>{{}}</label>'
    )

    def boxes(items) -> str:
        return "".join(
            box.format(escape(str(value)), " checked" if str(value) in selected else "", escape(str(label)))
            for value, label in items
        )

    parts = []
    for group, items in field.field.choices:
        if isinstance(items, list | tuple):
            parts.append(
                f'<fieldset><legend class="fs-6 fw-semibold mb-1">{escape(str(group))} '
                f'<span class="fw-normal text-body-secondary">({len(items)})</span></legend>'
                f'<div class="correction-group">{boxes(items)}</div></fieldset>'
            )
        else:
            parts.append(boxes([(group, items)]))
    errors = format_html_join("", '<div class="invalid-feedback d-block"><strong>{}</strong></div>', ((e,) for e in field.errors))
    return format_html(
        '<fieldset class="mb-3" id="div_{}"><legend class="form-label fs-6">{}<span class="asteriskField">*</span>'
        '</legend><div class="correction-choices" id="{}_choices">{}</div>{}</fieldset>',
        field.auto_id, field.label, field.auto_id, mark_safe("".join(parts)), errors,  # every value escaped above
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
