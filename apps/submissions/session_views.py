"""What a user sees when a save arrives after the session ended: the input is kept, nothing is lost.

Two ways a session ends under an open form: the session is gone (logged out elsewhere, cookie
expired), so the POST arrives anonymous; or the user logged in again in another tab, which rotates
the CSRF token, so Django refuses the POST before any view runs (CSRF_FAILURE_VIEW lands here).
In both cases a submission form's POST is stashed for the user its signed owner token names
(`drafts`), and a Dutch page in the site's layout explains what happened and how to go on.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse

from apps.submissions import drafts


def session_ended(request: HttpRequest, pk: int, *, status: int = 200) -> HttpResponse:
    """A submission form posted without a (valid) session: keep the input, explain, offer to log in."""
    stash = drafts.stash_post(post=request.POST, submission_id=pk) if request.method == "POST" else None
    form_url = reverse("submission_form", args=[pk])
    return render(
        request,
        "submissions/session_ended.html",
        {
            "kept": stash is not None,
            "form_url": form_url,
            "logged_in": request.user.is_authenticated,
            "login_url": f"{reverse('account_login')}?next={form_url}",
        },
        status=status,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal in Dutch, in the site's layout; a submission form's input is kept."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    if request.method == "POST" and match is not None and match.url_name == "submission_form":
        return session_ended(request, int(match.kwargs["pk"]), status=403)
    return render(
        request,
        "csrf_failure.html",
        {"logged_in": getattr(request, "user", None) is not None and request.user.is_authenticated},
        status=403,
    )
