"""VAR staff withdraw a running correction (apps/submissions/corrections.py); others get a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.partners import access
from apps.submissions import corrections
from apps.submissions.errors import TransitionNotAllowed
from apps.submissions.models import Edition, Submission


class CancelCorrectionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Waarom wordt de correctie ingetrokken?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Komt in de auditlog en in de e-mail aan de coördinatoren."),
        error_messages={"required": gettext_lazy("Geef de reden waarom de correctie wordt ingetrokken.")},
    )


@login_required
def edition_correction_cancel(request: HttpRequest, year: int) -> HttpResponse:
    access.require_staff(request.user)
    edition = get_object_or_404(Edition, year=year)
    if not edition.in_correction:
        messages.error(request, _("Er loopt geen correctie van editie %(year)s.") % {"year": year})
        return redirect("edition_overview", year=year)
    form = CancelCorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            n = corrections.cancel_correction(
                edition_id=edition.pk, user=request.user, reason=form.cleaned_data["reason"]
            )
        except TransitionNotAllowed as error:
            form.add_error("reason", str(error))
        else:
            messages.success(
                request,
                _("Correctie ingetrokken: %(n)s aanlevering(en) staan weer zoals ze gepubliceerd zijn.") % {"n": n},
            )
            return redirect("edition_overview", year=year)
    reopened = (
        Submission.objects.filter(edition=edition, under_correction=True)
        .select_related("organisation", "form")
        .order_by("organisation__name", "form__order")
    )
    return render(
        request, "submissions/edition_correction_cancel.html", {"edition": edition, "form": form, "reopened": reopened}
    )
