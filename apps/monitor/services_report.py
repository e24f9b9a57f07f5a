"""Writes to the report's editorial chapters: VAR staff only, never in a published edition.

Every change is audited (`report.chapter_changed`) and kept in the chapter's history. The texts
of a published edition are frozen: a correction of a published report is its own flow.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.monitor.models import EditorialChapter
from apps.monitor.report import PLACEMENT_INDEX
from apps.partners import access, audit
from apps.partners.models import AuditEvent, User
from apps.submissions.models import Edition

CHANGED = AuditEvent.Action.REPORT_CHAPTER_CHANGED
REMOVED = AuditEvent.Action.REPORT_CHAPTER_REMOVED
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ReportFrozen(Exception):
    """The edition is published: its texts do not change any more."""


def _check(*, title: str, slug: str, placement: str) -> None:
    errors = {}
    if not title.strip():
        errors["title"] = _("Geef het hoofdstuk een titel.")
    if not SLUG.match(slug):
        errors["slug"] = _("Alleen kleine letters, cijfers en streepjes, zoals 'aanleiding'.")
    if placement not in PLACEMENT_INDEX:
        errors["placement"] = _("Kies een plaats in het rapport.")
    if errors:
        raise ValidationError(errors)


def _editable_edition(edition_id: int) -> Edition:
    edition = Edition.objects.select_for_update().get(pk=edition_id)
    if edition.status == Edition.Status.PUBLISHED:
        raise ReportFrozen(
            _("De monitor %(year)s is gepubliceerd: de teksten liggen vast. Een correctie is een aparte stap.")
            % {"year": edition.year}
        )
    return edition


@transaction.atomic
def save_chapter(
    *,
    user: User,
    edition_id: int,
    chapter_id: int | None,
    title: str,
    slug: str,
    body: str,
    placement: str,
    order: int,
    is_section: bool,
    public: bool,
) -> EditorialChapter:
    """Create (`chapter_id=None`) or revise an editorial chapter of an unpublished edition."""
    access.require_staff(user)
    edition = _editable_edition(edition_id)
    _check(title=title, slug=slug, placement=placement)
    if EditorialChapter.objects.filter(edition=edition, slug=slug).exclude(pk=chapter_id).exists():
        raise ValidationError({"slug": _("Deze code is in deze editie al in gebruik.")})
    if chapter_id is None:
        chapter = EditorialChapter(edition=edition)
        old = None
    else:
        chapter = EditorialChapter.objects.select_for_update().get(pk=chapter_id, edition=edition)
        old = {"title": chapter.title, "placement": chapter.placement, "order": chapter.order, "public": chapter.public}
    chapter.title, chapter.slug, chapter.body = title.strip(), slug, body.replace("\r\n", "\n")
    chapter.placement, chapter.order, chapter.is_section, chapter.public = placement, order, is_section, public
    chapter.updated_by = user
    chapter._change_reason = "nieuw" if old is None else "gewijzigd"
    chapter.save()
    audit.record(
        action=CHANGED,
        actor=user,
        obj=chapter,
        summary=(_("Rapport %(year)s: hoofdstuk '%(title)s' aangemaakt") if old is None else _("Rapport %(year)s: hoofdstuk '%(title)s' gewijzigd"))
        % {"year": edition.year, "title": chapter.title},
        data={"year": edition.year, "slug": slug, "before": old, "characters": len(chapter.body)},
    )
    return chapter


@transaction.atomic
def remove_chapter(*, user: User, chapter_id: int) -> None:
    """Take a text out of an unpublished edition's report (its history stays)."""
    access.require_staff(user)
    chapter = EditorialChapter.objects.select_related("edition").get(pk=chapter_id)
    edition = _editable_edition(chapter.edition_id)
    audit.record(
        action=REMOVED,
        actor=user,
        obj=chapter,
        summary=_("Rapport %(year)s: hoofdstuk '%(title)s' verwijderd") % {"year": edition.year, "title": chapter.title},
        data={"year": edition.year, "slug": chapter.slug},
    )
    chapter.delete()


@transaction.atomic
def import_chapters(*, edition_id: int, chapters: list[dict], user: User | None = None) -> int:
    """Read the texts of a report that was written before this application (the demo's 2023).

    Only into an edition without texts, so it never overwrites what staff wrote; recorded in the
    audit log like every change. Returns the number of chapters read.
    """
    edition = Edition.objects.select_for_update().get(pk=edition_id)
    if EditorialChapter.objects.filter(edition=edition).exists():
        return 0
    for spec in chapters:
        _check(title=spec["title"], slug=spec["slug"], placement=spec.get("placement", "start"))
        chapter = EditorialChapter(
            edition=edition,
            slug=spec["slug"],
            title=spec["title"],
            body=spec.get("body", "").strip() + "\n",
            placement=spec.get("placement", "start"),
            order=spec.get("order", 0),
            is_section=spec.get("is_section", False),
            public=spec.get("public", True),
            updated_by=user,
        )
        chapter._change_reason = "ingelezen"
        chapter.save()
    audit.record(
        action=CHANGED,
        actor=user,
        obj=edition,
        summary=_("Rapport %(year)s: %(n)s hoofdstukken ingelezen") % {"year": edition.year, "n": len(chapters)},
        data={"year": edition.year, "slugs": [c["slug"] for c in chapters]},
    )
    return len(chapters)
