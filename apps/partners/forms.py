"""Forms check shape; services check rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.partners.models import PARTNER_ROLES, STAFF_ROLES, Membership, Organisation, Role
from apps.partners.widgets import QuickSelect


def role_choices(organisation: Organisation | None) -> list:
    """Only the roles that exist in the organisation; without one, grouped so the split is visible."""
    partner = [(r.value, r.label) for r in Role if r in PARTNER_ROLES]
    staff = [(r.value, r.label) for r in Role if r in STAFF_ROLES]
    if organisation is None:
        return [(_("Voor partnerorganisaties"), partner), (_("Alleen binnen de VAR"), staff)]
    return staff if organisation.is_var else partner


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mailadres"),
        error_messages={"invalid": _("Vul een geldig e-mailadres in, bijvoorbeeld naam@gemeente.nl.")},
    )
    name = forms.CharField(label=_("Naam"), max_length=150, required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.none(), empty_label=_("Kies een organisatie"),
        widget=QuickSelect,
    )
    role = forms.ChoiceField(label=_("Rol"), choices=Role.choices)

    def __init__(self, *args, organisation: Organisation | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(valid_to__isnull=True)
        self.fields["role"].choices = role_choices(organisation)


class MembershipRoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]
        labels = {"role": _("Rol")}

    def __init__(self, *args, organisation: Organisation | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if organisation is not None:
            self.fields["role"].choices = role_choices(organisation)
