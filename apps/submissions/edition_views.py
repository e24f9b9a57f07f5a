"""VAR staff pages for an edition's life: create, open, close, publish, correct, revisions.

Each state change has a confirmation page (GET) and acts on POST only, through `editions`.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.partners import access
from apps.submissions import editions
from apps.submissions.forms_staff import (
    CorrectionForm,
    EditionCreateForm,
    PublishForm,
    ReasonForm,
    checkbox_list,
    correction_choices,
)
from apps.submissions.models import Edition, EditionRevision, Submission
from apps.submissions.selectors import submissions_for
from apps.submissions.services import Action, TransitionNotAllowed, may_act, transition


def _staff_edition(request: HttpRequest, year: int) -> Edition:
    access.require_staff(request.user)
    return get_object_or_404(Edition, year=year)


@login_required
def edition_list(request: HttpRequest) -> HttpResponse:
    access.require_staff(request.user)
    form = EditionCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        try:
            editions.create_edition(
                year=year,
                created_by=request.user,
                opens_on=form.cleaned_data["opens_on"],
                deadline=form.cleaned_data["deadline"],
            )
        except editions.EditionError as error:
            form.add_error("year", str(error))
        else:
            messages.success(request, _("Editie %(year)s is aangemaakt (in voorbereiding).") % {"year": year})
            return redirect("edition_list")
    return render(request, "submissions/edition_list.html", {"editions": Edition.objects.all(), "form": form})


@login_required
def edition_open(request: HttpRequest, year: int) -> HttpResponse:
    edition = _staff_edition(request, year)
    if request.method == "POST":
        try:
            created = editions.open_edition(edition=edition, opened_by=request.user)
        except editions.EditionError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Editie %(year)s is geopend; %(n)s aanleveringen aangemaakt. De coördinatoren krijgen een e-mail.")
                % {"year": year, "n": created},
            )
        return redirect("edition_overview", year=year)
    return render(
        request,
        "submissions/edition_confirm.html",
        {"edition": edition, "move": "open", "expected": editions.expected_submissions(edition)},
    )


def _confirmed_move(request: HttpRequest, year: int, move: str) -> HttpResponse:
    """Close or reopen: a confirmation page on GET, the move on POST."""
    edition = _staff_edition(request, year)
    service, done = {
        "close": (editions.close_edition, _("Editie %(year)s is gesloten; partners kunnen niet meer indienen.")),
        "reopen": (editions.reopen_edition, _("Editie %(year)s is weer open voor aanlevering.")),
    }[move]
    if request.method == "POST":
        try:
            service(edition_id=edition.pk, user=request.user)
        except editions.EditionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, done % {"year": year})
        return redirect("edition_overview", year=year)
    context = {"edition": edition, "move": move}
    if move == "close":
        context["check"] = editions.publication_check(edition)
    return render(request, "submissions/edition_confirm.html", context)


@login_required
def edition_close(request: HttpRequest, year: int) -> HttpResponse:
    return _confirmed_move(request, year, "close")


@login_required
def edition_reopen(request: HttpRequest, year: int) -> HttpResponse:
    return _confirmed_move(request, year, "reopen")


@login_required
def edition_publish(request: HttpRequest, year: int) -> HttpResponse:
    """The deliberate publication: what it includes, and a reason when not everything is in."""
    edition = _staff_edition(request, year)
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revision = editions.publish_edition(edition_id=edition.pk, user=request.user, reason=form.cleaned_data["reason"])
        except editions.EditionError as error:
            form.add_error("reason", str(error))
        else:
            if revision.number > 1:
                messages.success(request, _("Editie %(year)s is opnieuw gepubliceerd als revisie %(n)s.") % {"year": year, "n": revision.number})
            else:
                messages.success(request, _("Editie %(year)s is gepubliceerd.") % {"year": year})
            return redirect("edition_overview", year=year)
    in_correction = edition.in_correction
    check = editions.publication_check(edition, only_under_correction=in_correction)
    return render(
        request,
        "submissions/edition_publish.html",
        {"edition": edition, "form": form, "check": check, "in_correction": in_correction}
    )


@login_required
def edition_correction(request: HttpRequest, year: int) -> HttpResponse:
    """Open a correction of a published edition for the submission(s) it concerns."""
    edition = _staff_edition(request, year)
    if edition.status != Edition.Status.PUBLISHED or edition.in_correction:
        messages.error(request, _("Alleen een gepubliceerde editie zonder lopende correctie kan worden gecorrigeerd."))
        return redirect("edition_overview", year=year)
    candidates = (
        Submission.objects.filter(edition=edition, status__in=editions.FINAL_STATES)
        .order_by("form__order", "form__title", "organisation__name", "pk")
        .values_list("pk", "organisation__short_name", "organisation__name", "form__title", "status")
    )
    choices = correction_choices(candidates)
    form = CorrectionForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            n = editions.open_correction(
                edition_id=edition.pk,
                user=request.user,
                reason=form.cleaned_data["reason"],
                submission_ids=form.cleaned_data["submissions"],
            )
        except TransitionNotAllowed as error:
            form.add_error("submissions", str(error))
        else:
            messages.success(
                request,
                _("Correctie geopend: %(n)s aanlevering(en) heropend. De monitor toont tot de nieuwe publicatie de huidige revisie.")
                % {"n": n},
            )
            return redirect("edition_overview", year=year)
    return render(
        request,
        "submissions/edition_correction.html",
        {"edition": edition, "form": form, "submission_boxes": checkbox_list(form["submissions"])},
    )


@login_required
def edition_revision_csv(request: HttpRequest, year: int, number: int) -> HttpResponse:
    """The figures exactly as revision `number` published them, one row per organisation and cell."""
    edition = _staff_edition(request, year)
    # A published revision never changes: its file is written once (reading the snapshot's JSON is
    # most of the cost at 1,000 organisations) and kept a day.
    revision = get_object_or_404(EditionRevision.objects.defer("figures", "changes"), edition=edition, number=number)
    key = f"submissions:revision-csv:{revision.pk}"
    content = cache.get(key)
    if content is None:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["organisatie", "formulier", "indicator", "rij", "kolom", "waarde"])
        figures = EditionRevision.objects.values_list("figures", flat=True).get(pk=revision.pk)
        for name, value in sorted(figures.get("values", {}).items()):
            writer.writerow([*name.split("|"), value])
        content = out.getvalue().encode()
        cache.set(key, content, 24 * 3600)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mensenhandelmonitor-{year}-revisie-{number}.csv"'
    return response


# -- completeness states of one submission -----------------------------------------------------------

STATE_ACTIONS = {
    # action: (page title, button)
    Action.NOTHING_TO_REPORT: (_("Niets te melden"), _("Afmelden: niets te melden")),
    Action.NOT_APPLICABLE: (_("Niet van toepassing dit jaar"), _("Niet van toepassing verklaren")),
    Action.RESTORE: (_("Terugzetten naar concept"), _("Terugzetten")),
}


@login_required
def submission_state(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Mark a submission "niets te melden" (coordinator) or "niet van toepassing" (VAR), or undo it."""
    if action not in STATE_ACTIONS:
        raise Http404
    try:
        submission = submissions_for(request.user).get(pk=pk)
    except Submission.DoesNotExist:
        raise Http404 from None
    if not may_act(request.user, submission, action):
        raise Http404
    form = ReasonForm(request.POST or None)
    staff = access.is_var_staff(request.user)
    back = reverse("edition_overview", args=[submission.edition.year]) if staff else reverse("submission_form", args=[pk])
    if request.method == "POST" and form.is_valid():
        try:
            transition(submission_id=submission.pk, action=action, user=request.user, comment=form.cleaned_data["reason"])
        except TransitionNotAllowed as error:
            form.add_error("reason", str(error))
        else:
            messages.success(request, _("Opgeslagen: %(state)s.") % {"state": STATE_ACTIONS[action][0]})
            return redirect(back)
    title, button = STATE_ACTIONS[action]
    return render(
        request,
        "submissions/submission_state.html",
        {"submission": submission, "form": form, "action": action, "title": title, "button": button, "back": back}
    )


MOVES = {"close": edition_close, "reopen": edition_reopen, "publish": edition_publish}


@login_required
def edition_change(request: HttpRequest, year: int, move: str) -> HttpResponse:
    """The older address of close/reopen/publish: the same confirmation pages and checks."""
    access.require_staff(request.user)
    if move not in MOVES:
        raise Http404
    return MOVES[move](request, year)
