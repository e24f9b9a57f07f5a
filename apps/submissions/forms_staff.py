"""Forms of the staff pages: shape only; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.partners.models import OrganisationKind, Subregion


class ReviewForm(forms.Form):
    ACTIONS = [("approve", _("Goedkeuren")), ("return", _("Terugsturen")), ("reopen", _("Heropenen"))]
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Opmerking voor de organisatie"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Verplicht bij terugsturen en heropenen: de ontvanger leest dit als reden."),
    )


class EditionCreateForm(forms.Form):
    year = forms.IntegerField(
        label=_("Jaar"),
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": _("Vul een jaartal in, bijvoorbeeld 2025.")},
    )
    opens_on = forms.DateField(label=_("Opent op"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class EditionDatesForm(forms.Form):
    opens_on = forms.DateField(label=_("Opent op"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class OverviewFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Soort"), required=False, choices=[("", _("Alle soorten")), *OrganisationKind.choices]
    )
    subregion = forms.ChoiceField(
        label=_("Subregio"), required=False, choices=[("", _("Alle subregio's")), *Subregion.choices]
    )
