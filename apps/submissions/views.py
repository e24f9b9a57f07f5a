"""The submission form and the staff's edition pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apps.partners import access
from apps.submissions import completeness, handoff, services
from apps.submissions.notifications import coordinator_names
from apps.submissions.forms import SubmissionForm
from apps.submissions.models import Submission
from apps.submissions.review import latest_reopen, latest_review_comments, timeline
from apps.submissions.selectors import load_form_context, submissions_for


def _get_submission_for_user(user, pk: int) -> Submission:
    """Return the submission, or 404 when the user may not see it (strangers learn nothing)."""
    try:
        return submissions_for(user).select_related("approved_by").get(pk=pk)
    except Submission.DoesNotExist:
        raise Http404 from None


@login_required
def submission_form(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _get_submission_for_user(request.user, pk)
    may_edit = access.can_edit_drafts(request.user, submission.organisation)
    lock_reason = services.lock_reason(submission)
    read_only = not may_edit or lock_reason is not None
    context = load_form_context(submission)
    status = 200
    conflict: list[str] | None = None

    if request.method == "POST":
        form = SubmissionForm(request.POST, context=context)
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            figures = form.figures()
            findings = context.findings(figures)
            explanations = {f.key: request.POST.get(f"x-{f.key}", "") for f in findings if not f.is_error}
            try:
                changed = services.save_values(
                    submission_id=submission.pk,
                    user=request.user,
                    cells=form.cell_inputs(),
                    explanations=explanations,
                    base_version=form.cleaned_data["version"],
                )
            except services.SubmissionLocked as error:
                messages.error(request, str(error))
                status = 409
            except services.StaleVersion as error:
                conflict = error.changes
                status = 409
                # Show the user's own input again, based on the current version so they can decide.
                data = request.POST.copy()
                data["version"] = str(Submission.objects.get(pk=submission.pk).version)
                context = load_form_context(submission)
                form = SubmissionForm(data, context=context)
                form.is_valid()
            else:
                if changed:
                    messages.success(request, _("Opgeslagen als concept (%(n)s wijziging(en)).") % {"n": changed})
                else:
                    messages.info(request, _("Er was niets gewijzigd."))
                return redirect("submission_form", pk=submission.pk)
        else:
            messages.error(
                request,
                _("Niet opgeslagen: %(n)s veld(en) bevatten een fout. Uw invoer staat er nog; verbeter de gemarkeerde velden.")
                % {"n": len(form.errors)},
            )
    else:
        form = SubmissionForm(context=context, read_only=read_only)

    findings = context.findings(form.figures())
    posted_explanations = {k[2:]: v for k, v in request.POST.items() if k.startswith("x-")} if request.method == "POST" else {}
    warnings = [f for f in findings if not f.is_error]
    explanation_text = {
        f.key: posted_explanations.get(f.key, context.explanations[f.key].text if f.key in context.explanations else "")
        for f in warnings
    }
    unexplained = [f for f in warnings if not explanation_text.get(f.key, "").strip()]
    return_event, review_comments = latest_review_comments(submission)
    show_timeline = access.is_var_staff(request.user) or access.can_submit(request.user, submission.organisation)
    return render(
        request,
        "submissions/submission_form.html",
        {
            "submission": submission,
            "form": form,
            "sections": form.layout(findings),
            "findings": findings,
            "explanation_text": explanation_text,
            "unexplained_count": len(unexplained),
            "read_only": read_only,
            "lock_reason": lock_reason,
            "may_edit": may_edit,
            "previous": context.previous,
            "conflict": conflict,
            "actions": services.allowed_actions(request.user, submission),
            "return_event": return_event,
            "reopen_event": latest_reopen(submission),
            "may_hand_off": handoff.may_hand_off(request.user, submission) and lock_reason is None,
            "coordinators": coordinator_names(submission.organisation),
            "review_comments": review_comments,
            "timeline": timeline(submission, context.grids) if show_timeline else None,
        },
        status=status,
    )


@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm and submit: shows what will be sent and what still blocks it."""
    submission = _get_submission_for_user(request.user, pk)
    if not services.may_act(request.user, submission, services.Action.SUBMIT):
        raise PermissionDenied
    blockers = services.submit_blockers(submission)
    if request.method == "POST":
        try:
            services.transition(submission_id=submission.pk, action=services.Action.SUBMIT, user=request.user)
        except services.TransitionNotAllowed as error:
            messages.error(request, str(error))
            return redirect("submission_form", pk=submission.pk)
        messages.success(request, _("Ingediend. De VAR beoordeelt uw cijfers en u krijgt bericht per e-mail."))
        return redirect("submission_form", pk=submission.pk)
    context = load_form_context(submission)
    return render(
        request,
        "submissions/submit_confirm.html",
        {
            "submission": submission,
            "blockers": blockers,
            "blocker_links": completeness.blockers(context),
            "sections": completeness.section_counts(context),
            "lock_reason": services.lock_reason(submission),
        },
    )
