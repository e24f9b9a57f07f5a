"""The submission form and the staff's edition pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apps.partners import access
from apps.submissions import completeness, drafts, handoff, services
from apps.submissions.forms import ExplanationsForm, SubmissionForm, field_name
from apps.submissions.models import Indicator, Submission
from apps.submissions.notifications import coordinator_names
from apps.submissions.review import latest_reopen, latest_review_comments, timeline
from apps.submissions.selectors import load_form_context, submissions_for
from apps.submissions.session_views import session_ended


def _get_submission_for_user(user, pk: int) -> Submission:
    """Return the submission, or 404 when the user may not see it (strangers learn nothing)."""
    try:
        return submissions_for(user).select_related("approved_by").get(pk=pk)
    except Submission.DoesNotExist:
        raise Http404 from None


def _cell_strings(context, cell) -> tuple[str, str]:
    """The stored value of a cell as the form's fields hold it: (value field, comment field)."""
    value = context.values.get(cell)
    grid = context.grids.get(cell[0])
    if value is None or grid is None:
        return "", ""
    if grid.indicator.kind == Indicator.Kind.TEXT:
        return value.text, value.comment
    return ("" if value.number is None else str(value.number)), value.comment


def _take_stored(data, context, cell) -> None:
    number, comment = _cell_strings(context, cell)
    data[field_name("v", cell)] = number
    if field_name("c", cell) in data or comment:
        data[field_name("c", cell)] = comment


def _parse_cell(raw: str):
    parts = raw.split("|")
    return tuple(parts) if len(parts) == 3 else None


def _apply_choices(data, context) -> list[services.Conflict]:
    """Carry out the choices made on a conflict page; return the conflicts still without a choice.

    'theirs' puts the stored value back into the posted data; 'mine' keeps what was posted.
    """
    open_conflicts = []
    for raw in data.getlist("conflict-cell"):
        cell = _parse_cell(raw)
        if cell is None or cell[0] not in context.grids:
            continue
        choice = data.get(f"keuze-{raw}")
        if choice == "theirs":
            _take_stored(data, context, cell)
        elif choice != "mine":
            open_conflicts.append(_conflict_again(context, data, cell=cell))
    for key in data.getlist("conflict-x"):
        choice = data.get(f"keuze-x-{key}")
        if choice == "theirs":
            stored = context.explanations.get(key)
            data[f"x-{key}"] = stored.text if stored else ""
        elif choice != "mine":
            open_conflicts.append(_conflict_again(context, data, key=key))
    return open_conflicts


def _conflict_again(context, data, *, cell=None, key: str = "") -> services.Conflict:
    """A conflict shown once more because no choice was made: theirs is what is stored now."""
    if cell is not None:
        theirs, __ = _cell_strings(context, cell)
        prev = context.previous_values.get(cell)
        previous = "" if prev is None else (prev.text or ("" if prev.number is None else str(prev.number)))
        return services.Conflict(
            label=services._cell_label(context.grids, cell), cell=cell, key="", theirs=theirs,
            mine=data.get(field_name("v", cell), ""), base="", previous=previous, who="",
        )
    stored = context.explanations.get(key)
    return services.Conflict(
        label=services._explanation_title(context.grids, key), cell=None, key=key, theirs=stored.text if stored else "",
        mine=data.get(f"x-{key}", ""), base="", previous="", who="",
    )


def _merged_after_conflict(data, context, error: services.StaleVersion, base_version: int) -> None:
    """Prepare the posted data for the conflict page: the current version, colleagues' work kept.

    Every cell and explanation a colleague saved since the page was opened shows the stored value,
    except the real conflicts, which keep the user's input until a choice is made.
    """
    data["version"] = str(error.version)
    conflicting_cells = {c.cell for c in error.conflicts if c.cell is not None}
    conflicting_keys = {c.key for c in error.conflicts if c.cell is None}
    for cell, value in context.values.items():
        if value.changed_in_version > base_version and cell not in conflicting_cells:
            _take_stored(data, context, cell)
    for key, explanation in context.explanations.items():
        if explanation.changed_in_version > base_version and key not in conflicting_keys:
            data[f"x-{key}"] = explanation.text
    data.setlist("conflict-cell", ["|".join(c.cell) for c in error.conflicts if c.cell is not None])
    data.setlist("conflict-x", sorted(conflicting_keys))


def _prepare_restored(data, context) -> list[services.Conflict]:
    """Kept input from an older version: merge it with what colleagues saved since, as a save would."""
    try:
        base_version = int(data.get("version", ""))
    except ValueError:
        return []
    if base_version >= context.submission.version:
        return []
    form = SubmissionForm(data, context=context)
    if not form.is_valid():
        return []  # the user's own errors show as after any post; the save will merge
    warnings = [f for f in context.findings(form.figures()) if not f.is_error]
    explanations_form = ExplanationsForm(data, keys=[f.key for f in warnings])
    explanations_form.is_valid()
    texts = {k: v for k, v in explanations_form.cleaned_data.items()}
    conflicts = services.stale_conflicts(
        context=context, base_version=base_version, cells=form.cell_inputs(), explanations={k[2:]: v for k, v in texts.items()}
    )
    error = services.StaleVersion([c.label for c in conflicts], conflicts=conflicts, version=context.submission.version)
    _merged_after_conflict(data, context, error, base_version)
    return conflicts


def submission_form(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        if request.method == "POST":
            # The session ended while the form was open: keep the input for its owner, explain.
            return session_ended(request, pk)
        return redirect_to_login(request.get_full_path())
    submission = _get_submission_for_user(request.user, pk)
    may_edit = access.can_edit_drafts(request.user, submission.organisation)
    lock_reason = services.lock_reason(submission)
    read_only = not may_edit or lock_reason is not None
    context = load_form_context(submission)
    status = 200
    conflicts: list[services.Conflict] | None = None
    data = None
    stash = None

    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if "discard_stash" in request.POST:
            drafts.discard(user_id=request.user.pk, submission_id=submission.pk)
            messages.info(request, _("De bewaarde invoer is weggegooid."))
            return redirect("submission_form", pk=submission.pk)
        data = request.POST.copy()
        unchosen = _apply_choices(data, context)
    elif not read_only and (stash := drafts.stash_for(user_id=request.user.pk, submission_id=submission.pk)):
        # Input that arrived after the session ended: shown again, not saved until the user saves.
        data = drafts.as_querydict(stash)
        unchosen = _apply_choices(data, context)  # choices made before the session ended still count
        conflicts = _prepare_restored(data, context) or unchosen or None
        unchosen = []

    if data is not None:
        form = SubmissionForm(data, context=context)
        valid = form.is_valid()
        posted_figures = form.figures()
        posted_findings = context.findings(posted_figures)
        warnings = [f for f in posted_findings if not f.is_error]
        explanations_form = ExplanationsForm(data, keys=[f.key for f in warnings])
        valid = explanations_form.is_valid() and valid
        if request.method == "POST" and unchosen:
            conflicts = unchosen
            status = 409
            messages.error(request, _("Kies bij elk conflict welke waarde blijft; er is nog niets opgeslagen."))
        elif request.method == "POST" and valid:
            base_version = form.cleaned_data["version"]
            stale = base_version < submission.version
            try:
                changed = services.save_values(
                    submission_id=submission.pk,
                    user=request.user,
                    cells=form.cell_inputs(),
                    explanations=explanations_form.texts(),
                    base_version=base_version,
                    context=context,
                    checked=(posted_figures, posted_findings),
                )
            except services.SubmissionLocked as error:
                messages.error(request, str(error))
                status = 409
            except services.StaleVersion as error:
                conflicts = error.conflicts
                status = 409
                context = load_form_context(Submission.objects.get(pk=submission.pk))
                _merged_after_conflict(data, context, error, base_version)
                form = SubmissionForm(data, context=context)
                form.is_valid()
                warnings = [f for f in context.findings(form.figures()) if not f.is_error]
                explanations_form = ExplanationsForm(data, keys=[f.key for f in warnings])
                explanations_form.is_valid()
            else:
                drafts.discard(user_id=request.user.pk, submission_id=submission.pk)
                kept = services.changed_since(context, base_version) if stale else []
                if changed:
                    messages.success(request, _("Opgeslagen als concept (%(n)s wijziging(en)).") % {"n": changed})
                else:
                    messages.info(request, _("Er was niets gewijzigd."))
                if kept:
                    messages.info(
                        request,
                        _("Intussen had een collega ook opgeslagen; die wijzigingen zijn behouden: %(list)s.")
                        % {"list": "; ".join(kept[:10]) + (" …" if len(kept) > 10 else "")},
                    )
                return redirect("submission_form", pk=submission.pk)
        elif request.method == "POST":
            n = len(form.errors) + len(explanations_form.errors)
            messages.error(
                request,
                _("Niet opgeslagen: %(n)s veld(en) bevatten een fout. Uw invoer staat er nog; verbeter de gemarkeerde velden.")
                % {"n": n},
            )
    else:
        form = SubmissionForm(context=context, read_only=read_only)
        explanations_form = None

    findings = context.findings(form.figures())
    warnings = [f for f in findings if not f.is_error]
    posted_explanations = {k[2:]: v for k, v in data.items() if k.startswith("x-")} if data is not None else {}
    explanation_text = {
        f.key: posted_explanations.get(f.key, context.explanations[f.key].text if f.key in context.explanations else "")
        for f in warnings
    }
    unexplained = [f for f in warnings if not explanation_text.get(f.key, "").strip()]
    explanation_errors = explanations_form.errors_by_key() if explanations_form and explanations_form.is_bound else {}
    show_timeline = access.may_see_timeline(request.user, submission)
    timeline_page = timeline(submission, context.grids) if show_timeline else None
    return_event, review_comments = latest_review_comments(submission, timeline_page)
    may_hand_off = handoff.may_hand_off(request.user, submission) and lock_reason is None
    return render(
        request,
        "submissions/submission_form.html",
        {
            "submission": submission,
            "form": form,
            "sections": form.layout(
                findings, explanation_text=explanation_text, explanation_errors=explanation_errors, read_only=read_only
            ),
            "findings": findings,
            "explanation_text": explanation_text,
            "unexplained_count": len(unexplained),
            "read_only": read_only,
            "lock_reason": lock_reason,
            "may_edit": may_edit,
            "previous": context.previous,
            "conflicts": conflicts,
            "stash": stash,
            "owner_token": drafts.owner_token(user_id=request.user.pk, submission_id=submission.pk),
            "owner_field": drafts.OWNER_FIELD,
            "actions": services.allowed_actions(request.user, submission),
            "return_event": return_event,
            "reopen_event": latest_reopen(submission, timeline_page),
            "may_hand_off": may_hand_off,
            # Only the hand-off box names them: one query fewer for everyone else.
            "coordinators": coordinator_names(submission.organisation) if may_hand_off else [],
            "review_comments": review_comments,
            "timeline": timeline_page,
        },
        status=status,
    )


@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm and submit: shows what will be sent and what still blocks it."""
    submission = _get_submission_for_user(request.user, pk)
    if not services.may_act(request.user, submission, services.Action.SUBMIT):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.transition(submission_id=submission.pk, action=services.Action.SUBMIT, user=request.user)
        except services.TransitionNotAllowed as error:
            messages.error(request, str(error))
            return redirect("submission_form", pk=submission.pk)
        messages.success(request, _("Ingediend. De VAR beoordeelt uw cijfers en u krijgt bericht per e-mail."))
        return redirect("submission_form", pk=submission.pk)
    # One load for the blockers, their links and the section counts (the POST checks again, locked).
    context = load_form_context(submission)
    return render(
        request,
        "submissions/submit_confirm.html",
        {
            "submission": submission,
            "blockers": services.submit_blockers(submission, context=context),
            "blocker_links": completeness.blockers(context),
            "sections": completeness.section_counts(context),
            "lock_reason": services.lock_reason(submission),
        },
    )
