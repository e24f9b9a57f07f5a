"""The whole history of one submission, a page at a time (the form and review pages show the newest)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from apps.partners import access
from apps.submissions.history import PAGE_SIZE, Cursor, form_grids, history_page, one_save


@login_required
def submission_history(request: HttpRequest, pk: int) -> HttpResponse:
    """`?voor=<cursor>` pages back in time; `?versie=<n>` shows one save with all its cells."""
    submission = get_object_or_404(
        access.submissions_for(request.user).select_related("edition", "organisation", "form"), pk=pk
    )
    if not access.may_see_timeline(request.user, submission):
        raise Http404  # as the timeline itself: those who may not see it do not learn it exists
    grids = form_grids(submission)
    context = {
        "submission": submission,
        "page_size": PAGE_SIZE,
        "back_url": reverse("review_submission" if access.is_var_staff(request.user) else "submission_form", args=[pk]),
    }
    version = request.GET.get("versie", "")
    if version:
        save = one_save(submission=submission, grids=grids, version=int(version)) if version.isdigit() else None
        if save is None:
            raise Http404
        context["save"] = save
    else:
        cursor = Cursor.parse(request.GET.get("voor"))
        context["cursor"] = cursor
        context["page"] = history_page(submission=submission, grids=grids, cursor=cursor)
    return render(request, "submissions/history.html", context)
