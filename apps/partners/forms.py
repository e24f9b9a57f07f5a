"""Forms check shape; services check rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.partners.models import Membership, Organisation, Role


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mailadres"),
        error_messages={"invalid": _("Vul een geldig e-mailadres in, bijvoorbeeld naam@gemeente.nl.")},
    )
    name = forms.CharField(label=_("Naam"), max_length=150, required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.none(), empty_label=_("Kies een organisatie")
    )
    role = forms.ChoiceField(label=_("Rol"), choices=Role.choices)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(valid_to__isnull=True)


class MembershipRoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]
        labels = {"role": _("Rol")}
