"""Download a submission as an Excel workbook, upload it filled in, see the changes, confirm.

Reading goes through `_get_submission_for_user` (strangers get 404); writing goes through
`services.save_values` only, on confirmation, with the version the changes were computed against.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apps.partners import access, audit
from apps.partners.models import AuditEvent
from apps.submissions import services, workbook
from apps.submissions.models import Submission
from apps.submissions.services import CellInput
from apps.submissions.views import _get_submission_for_user

UPLOAD_FIELD = "bestand"


def _session_key(submission: Submission) -> str:
    return f"mhm-xlsx-upload-{submission.pk}"


def _require_editor(request: HttpRequest, submission: Submission) -> None:
    if not access.can_edit_drafts(request.user, submission.organisation):
        raise PermissionDenied(_("U mag de cijfers van deze organisatie niet wijzigen."))


def _render_upload(request, submission, *, errors=None, lock=None, conflict=None, status=200) -> HttpResponse:
    return render(
        request,
        "submissions/upload.html",
        {
            "submission": submission,
            "errors": errors or [],
            "lock_reason": lock,
            "conflict": conflict,
            "field_name": UPLOAD_FIELD,
            "max_mb": workbook.MAX_UPLOAD_BYTES // 1024 // 1024,
        },
        status=status,
    )


@login_required
def download_template(request: HttpRequest, pk: int) -> HttpResponse:
    """The form as a workbook, for anyone who may read the submission."""
    submission = _get_submission_for_user(request.user, pk)
    content = workbook.build_template(submission)
    audit.record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        organisation=submission.organisation,
        obj=submission,
        summary=_("Excel-sjabloon gedownload: %(form)s %(year)s")
        % {"form": submission.form.title, "year": submission.edition.year},
        data={"format": "xlsx", "version": submission.version},
        request=request,
    )
    response = HttpResponse(content, content_type=workbook.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{workbook.filename(submission)}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the upload form. POST: check the file; show the changes or the errors; save nothing."""
    submission = _get_submission_for_user(request.user, pk)
    _require_editor(request, submission)
    if lock := services.lock_reason(submission):
        return _render_upload(request, submission, lock=lock, status=409)
    if request.method == "GET":
        return _render_upload(request, submission)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])

    uploaded = request.FILES.get(UPLOAD_FIELD)
    if uploaded is None:
        return _render_upload(request, submission, errors=[_("Kies het ingevulde Excel-bestand (.xlsx) om te uploaden.")])
    result = workbook.parse_upload(submission, uploaded)
    if not result.is_valid:
        request.session.pop(_session_key(submission), None)
        return _render_upload(request, submission, errors=result.errors)

    context = result.context  # loaded once, by the check of the file
    findings = context.findings(workbook.figures_after(context, result.cells)) if result.cells else []
    if result.cells or result.explanations:
        request.session[_session_key(submission)] = {
            "base_version": result.base_version,
            "cells": [[c[0], c[1], c[2], v.number, v.text, v.comment] for c, v in result.cells.items()],
            "explanations": result.explanations,
        }
    else:
        request.session.pop(_session_key(submission), None)
    return render(
        request,
        "submissions/upload_preview.html",
        {
            "submission": submission,
            "changes": result.changes,
            "notes": result.notes,
            "findings": findings,
            "filename": uploaded.name,
        },
    )


@login_required
def upload_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the changes of the checked upload, based on the version they were computed against."""
    submission = _get_submission_for_user(request.user, pk)
    _require_editor(request, submission)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    pending = request.session.get(_session_key(submission))
    if lock := services.lock_reason(submission):
        request.session.pop(_session_key(submission), None)
        return _render_upload(request, submission, lock=lock, status=409)
    if not pending:
        messages.error(request, _("Er staat geen gecontroleerd bestand klaar om op te slaan. Upload het bestand opnieuw."))
        return redirect("submission_upload", pk=submission.pk)
    cells = {
        (code, row, col): CellInput(number=number, text=text or "", comment=comment or "")
        for code, row, col, number, text, comment in pending["cells"]
    }
    try:
        changed = services.save_values(
            submission_id=submission.pk,
            user=request.user,
            cells=cells,
            explanations=pending.get("explanations", {}),
            base_version=pending["base_version"],
        )
    except services.SubmissionLocked as error:
        request.session.pop(_session_key(submission), None)
        return _render_upload(request, submission, lock=str(error), status=409)
    except services.StaleVersion as error:
        request.session.pop(_session_key(submission), None)
        return _render_upload(request, submission, conflict=error.changes, status=409)
    request.session.pop(_session_key(submission), None)
    messages.success(
        request,
        _("Het Excel-bestand is verwerkt: %(n)s wijziging(en) opgeslagen als concept.") % {"n": changed},
    )
    return redirect("submission_form", pk=submission.pk)
