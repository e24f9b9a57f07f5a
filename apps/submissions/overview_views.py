"""Actions around the edition overview: a reminder now, from the row of the organisation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.partners import access
from apps.partners.models import Organisation
from apps.submissions import notifications
from apps.submissions.models import Edition


@login_required
@require_POST
def send_reminder(request: HttpRequest, year: int) -> HttpResponse:
    access.require_staff(request.user)
    edition = get_object_or_404(Edition, year=year, status=Edition.Status.OPEN)
    organisation = Organisation.objects.filter(slug=request.POST.get("organisation", "")).first()
    if organisation is None:
        messages.error(request, _("Kies een organisatie."))
    else:
        try:
            notifications.send_reminder_now(edition=edition, organisation=organisation, user=request.user, request=request)
        except notifications.ReminderAlreadySent as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Er is een herinnering verstuurd aan de coördinator(en) van %(org)s.") % {"org": organisation})
    # Back to the overview as it was filtered and sorted; re-encoded, so only a query string on our own path.
    back = QueryDict(request.POST.get("back", ""), mutable=True)
    back.pop("export", None)  # back to the page, never a download
    query = back.urlencode()
    return HttpResponseRedirect(reverse("edition_overview", args=[year]) + (f"?{query}" if query else ""))
