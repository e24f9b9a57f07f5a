"""VAR staff write the report: the editorial chapters, a preview before saving, the whole report.

Everyone but VAR staff gets a 404 here (`access.require_staff`); the writes go through
`services_report`, which refuses texts of a published edition.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.http import quote_etag
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_POST

from apps.monitor import report, services, services_report
from apps.monitor.cache import (
    cached_fragment,
    cached_report,
    data_fingerprint,
    document_fingerprint,
    fragment_key,
    store_fragment,
)
from apps.monitor.models import EditorialChapter
from apps.partners import access
from apps.submissions.models import Edition


class EditorialChapterForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titel"), max_length=200)
    slug = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=60,
        help_text=gettext_lazy("Kort en uniek in deze editie, bijvoorbeeld 'aanleiding'; ook het anker in de adresbalk."),
    )
    placement = forms.ChoiceField(label=gettext_lazy("Plaats in het rapport"), choices=())
    order = forms.IntegerField(
        label=gettext_lazy("Volgorde binnen die plaats"), min_value=0, max_value=999, initial=0,
        help_text=gettext_lazy("Lager komt eerst, bij meer teksten op dezelfde plaats."),
    )  # fmt: skip
    is_section = forms.BooleanField(
        label=gettext_lazy("Paragraaf van het vorige hoofdstuk (niet in de inhoudsopgave)"), required=False
    )
    public = forms.BooleanField(label=gettext_lazy("Ook in de openbare versie"), required=False, initial=True)
    body = forms.CharField(
        label=gettext_lazy("Tekst (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        help_text=gettext_lazy(
            "Een lege regel begint een nieuwe alinea; '## Kop' een tussenkop; '- ' of '1. ' een opsomming; "
            "**vet**, *cursief*, [tekst](https://…) een link."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["placement"].choices = report.placements()


def _staff_edition(request: HttpRequest, year: int) -> Edition:
    access.require_staff(request.user)
    return get_object_or_404(Edition, year=year)


@dataclass(frozen=True)
class _InternalReport:
    edition: Edition
    data: str  # the internal figures' fingerprint: the cached report's key
    key: str  # the document's: those figures and every editorial text


def _internal_report(request: HttpRequest, year: int) -> _InternalReport:
    """Staff only (a 404 for everyone else, before any cached answer or 304); kept on the request."""
    found = getattr(request, "_internal_report", None)
    if found is not None and found.edition.year == year:
        return found
    edition = _staff_edition(request, year)
    data = data_fingerprint(edition, "internal", translation.get_language() or "nl")
    found = _InternalReport(edition=edition, data=data, key=document_fingerprint(edition, data=data))
    request._internal_report = found
    return found


def _internal_report_etag(request: HttpRequest, year: int) -> str:
    """The document's key and this user's frame: a 304 keeps the browser's copy, frame and all.

    Its user's name and CSRF token must still be right, so the ETag changes with the user, the
    session (a new login), the CSRF secret and the language. Hashed with the site's key: nothing of
    them can be read back from it.
    """
    frame = salted_hmac(
        "apps.monitor.report-internal",
        ":".join(
            [
                str(request.user.pk),
                request.session.session_key or "",
                request.META.get("CSRF_COOKIE", ""),
                translation.get_language() or "nl",
            ]
        ),
    ).hexdigest()[:16]
    return f"{_internal_report(request, year).key}-{frame}"


@login_required
@cache_control(private=True, no_cache=True)
@condition(etag_func=_internal_report_etag)
def report_internal(request: HttpRequest, year: int) -> HttpResponse:
    """The whole internal report on one page, as the PDF prints it.

    About 1.8 MB of HTML at 1,000 organisations (the gemeenten chapter's narratives): rendering it
    took longer than everything else, so the document is kept under its fingerprint (new figures or
    texts, new key) and only the frame around it is rendered; a browser revalidates with the ETag.
    """
    found = _internal_report(request, year)
    edition = found.edition
    key = fragment_key(name="report-internal", fingerprint=found.key, parts=[translation.get_language() or "nl"])
    document = cached_fragment(key=key)
    if document is None:
        whole = cached_report(edition=edition, published_only=False, fingerprint=found.data)
        document = render_to_string(
            "monitor/report_document.html", {"document": report.assemble(edition, whole, public=False)}
        )
        store_fragment(key=key, html=document)
    response = render(
        request,
        "monitor/report.html",
        {
            "edition": edition,
            "document_html": mark_safe(document),
            "is_published": edition.status == Edition.Status.PUBLISHED,
        },
    )
    # Again after rendering: a first visit's page made the CSRF secret its forms carry.
    response["ETag"] = quote_etag(_internal_report_etag(request, year))
    return response


@login_required
def editorial_list(request: HttpRequest, year: int) -> HttpResponse:
    edition = _staff_edition(request, year)
    chapters = report.chapters_for(edition, public=False)
    labels = dict(report.placements())
    rows = [(chapter, labels.get(chapter.placement, chapter.placement)) for chapter in chapters]
    return render(
        request,
        "monitor/report_texts.html",
        {
            "edition": edition,
            "rows": rows,
            "frozen": edition.status == Edition.Status.PUBLISHED,
            "pdf_variants": [v for v in ("report-pdf", "report-pdf-public") if services.may_export(request.user, edition, v)],
        },
    )


@login_required
def editorial_edit(request: HttpRequest, year: int, pk: int | None = None) -> HttpResponse:
    """Write or revise a chapter; 'Voorbeeld' shows the rendered text without saving anything."""
    edition = _staff_edition(request, year)
    chapter = get_object_or_404(EditorialChapter, pk=pk, edition=edition) if pk is not None else None
    frozen = edition.status == Edition.Status.PUBLISHED
    initial = (
        {
            "title": chapter.title,
            "slug": chapter.slug,
            "placement": chapter.placement,
            "order": chapter.order,
            "is_section": chapter.is_section,
            "public": chapter.public,
            "body": chapter.body,
        }
        if chapter
        else None
    )
    form = EditorialChapterForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            preview = report.render_markdown(data["body"])
        else:
            try:
                saved = services_report.save_chapter(
                    user=request.user,
                    edition_id=edition.pk,
                    chapter_id=chapter.pk if chapter else None,
                    title=data["title"],
                    slug=data["slug"],
                    body=data["body"],
                    placement=data["placement"],
                    order=data["order"],
                    is_section=data["is_section"],
                    public=data["public"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except services_report.ReportFrozen as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Hoofdstuk '%(title)s' is opgeslagen.") % {"title": saved.title})
                return redirect("report_texts", year=year)
    history = list(chapter.history.select_related("history_user").order_by("-history_date")[:20]) if chapter else []
    return render(
        request,
        "monitor/report_text_form.html",
        {"edition": edition, "chapter": chapter, "form": form, "preview": preview, "frozen": frozen, "history": history},
    )


@login_required
@require_POST
def editorial_remove(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    edition = _staff_edition(request, year)
    chapter = get_object_or_404(EditorialChapter, pk=pk, edition=edition)
    try:
        services_report.remove_chapter(user=request.user, chapter_id=chapter.pk)
    except services_report.ReportFrozen as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Hoofdstuk '%(title)s' is verwijderd.") % {"title": chapter.title})
    return redirect("report_texts", year=year)
