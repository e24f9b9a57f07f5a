"""The contributor's "klaar voor de coördinator" button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.submissions import handoff, services
from apps.submissions.views import _get_submission_for_user


@login_required
@require_POST
def ready_for_coordinator(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _get_submission_for_user(request.user, pk)
    if not handoff.may_hand_off(request.user, submission):
        raise PermissionDenied
    try:
        handoff.mark_ready_for_coordinator(submission_id=submission.pk, user=request.user, note=request.POST.get("note", ""))
    except services.TransitionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("De coördinator heeft bericht gekregen dat de cijfers klaar zijn om in te dienen."))
    return redirect("submission_form", pk=submission.pk)
