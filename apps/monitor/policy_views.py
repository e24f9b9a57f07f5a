"""VAR staff set an edition's disclosure policy (apps/monitor/services_policy.py checks and audits).

Everyone but VAR staff gets a 404. The form checks the shape of the input; the service checks the
rules (the region's minimum threshold, symbols that cannot be read as figures, a published edition
is frozen) and its messages are shown beside the field they concern, with the input kept.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.monitor import disclosure, services_policy
from apps.partners import access
from apps.submissions.models import Edition


class DisclosurePolicyForm(forms.Form):
    threshold = forms.IntegerField(
        label=gettext_lazy("Drempel kleine aantallen"),
        required=False,
        min_value=1,
        max_value=services_policy.MAX_THRESHOLD,
        help_text=gettext_lazy(
            "Aantallen personen van 1 tot deze drempel worden afgeschermd. Leeg: de regionale standaard."
        ),
    )
    small_symbol = forms.CharField(
        label=gettext_lazy("Teken voor een klein aantal"), required=False, max_length=10,
        help_text=gettext_lazy("Leeg: '<' en de drempel, bijvoorbeeld <5."),
    )  # fmt: skip
    secondary_symbol = forms.CharField(
        label=gettext_lazy("Teken voor secundair afgeschermde cijfers"), max_length=10,
        help_text=gettext_lazy("Cijfers waaruit een klein aantal terug te rekenen is, bijvoorbeeld x."),
    )  # fmt: skip
    internal_audience = forms.ChoiceField(
        label=gettext_lazy("Wie ziet de interne cijfers"), choices=Edition.InternalAudience.choices,
        widget=forms.RadioSelect,
    )  # fmt: skip


@login_required
def edition_disclosure(request: HttpRequest, year: int) -> HttpResponse:
    access.require_staff(request.user)
    edition = get_object_or_404(Edition, year=year)
    frozen = edition.status == Edition.Status.PUBLISHED
    initial = {
        "threshold": edition.disclosure_threshold,
        "small_symbol": edition.disclosure_small_symbol,
        "secondary_symbol": edition.disclosure_secondary_symbol,
        "internal_audience": edition.internal_audience,
    }
    form = DisclosurePolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = services_policy.set_disclosure_policy(
                user=request.user,
                edition_id=edition.pk,
                threshold=data["threshold"],
                small_symbol=data["small_symbol"],
                secondary_symbol=data["secondary_symbol"],
                internal_audience=data["internal_audience"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except services_policy.PolicyFrozen as error:
            form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, _("De afscherming van editie %(year)s is gewijzigd.") % {"year": year})
            else:
                messages.info(request, _("Er was niets gewijzigd."))
            return redirect("monitor_edition", year=year)
    return render(
        request,
        "monitor/disclosure_policy.html",
        {
            "edition": edition,
            "form": form,
            "frozen": frozen,
            "policy": disclosure.policy_for(edition),
            "standard": services_policy.standard_threshold(),
        },
    )
