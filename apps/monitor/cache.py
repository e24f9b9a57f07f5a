"""Fingerprints of the data, and monitor reports cached under them.

A *fingerprint* hashes everything a report or export is built from: the editions it shows (year,
status, catalogue version and revision: catalogue edits in the admin raise the revision), their
submissions (count and ids per status and form; versions and last change of the approved ones, or
of all for the raw exports), their values (count, last change, sums; of approved submissions only
for the workbooks; also a figure written outside the services changes it), the organisations
(names, kinds, subregions), the suppression threshold of the public workbook, the language and
`FORMAT_VERSION`. Any change gives a new key, so nothing is ever invalidated: old entries simply
expire. It costs four small queries, and a fifth over the values once a minute or after a figure
was saved (see VALUES_SECONDS), against about 100 ms for building a whole report. A built export file (`models.CachedFile`) carries the
fingerprint it was built for: it is computed when the file is asked for and once more when the
build ends (did the data change meanwhile?), never while its progress is polled.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import translation

from apps.monitor import services
from apps.partners.models import Organisation
from apps.submissions.models import Edition, Submission, Value

logger = logging.getLogger(__name__)

# Bump when a report's or an export's layout changes, so nothing built by the old code is served.
FORMAT_VERSION = 5  # 5: a row total's disclosure equation names every column
REPORT_SECONDS = 24 * 3600


def years_of(edition: Edition, variant: str) -> list[int]:
    """The editions an export or report variant shows: raw data one year, workbooks three side by side."""
    if variant in ("raw", "csv"):
        return [edition.year]
    return services.comparison_years(edition, published_only=variant in services.PUBLIC_VARIANTS)


def data_fingerprint(edition: Edition, variant: str, language: str) -> str:
    """A hash of everything the report or export `variant` of the edition is built from."""
    years = years_of(edition, variant)
    editions = list(
        Edition.objects.filter(year__in=years)
        .order_by("year")
        # The published revision and a running correction decide which figures the monitor shows;
        # the disclosure policy keys public builds and protected pages.
        .values_list(
            "pk",
            "year",
            "status",
            "catalogue_version",
            "catalogue_revision",
            "revision",
            "correction_opened_at",
            "disclosure_threshold",
            "disclosure_small_symbol",
            "disclosure_secondary_symbol",
            "internal_audience",
        )
    )
    ids = [row[0] for row in editions]
    # Workbooks and reports show approved figures only, and of the others just who is in which
    # state (completeness): a draft saved by a partner must not throw away the cached monitor.
    # The raw exports list every value, so every change counts there.
    counted = Q() if variant in ("raw", "csv") else Q(status=Submission.Status.APPROVED)
    submissions = list(
        Submission.objects.filter(edition_id__in=ids)
        .values_list("edition_id", "status", "form_id")
        .annotate(
            n=Count("id"),
            ids=Sum("id"),
            versions=Sum("version", filter=counted),
            changed=Max("updated_at", filter=counted),
        )
        .order_by("edition_id", "status", "form_id")
    )
    values = _values_part(ids, raw=variant in ("raw", "csv"), submissions=submissions)
    organisations = hashlib.sha256(
        repr(
            list(Organisation.objects.order_by("pk").values_list("pk", "name", "short_name", "kind", "subregion"))
        ).encode()
    ).hexdigest()
    parts = {
        "format": FORMAT_VERSION,
        "year": edition.year,
        "variant": variant,
        "language": language,
        "threshold": services.suppression_threshold(edition) if variant in services.PUBLIC_VARIANTS else None,
        "years": years,
        "editions": editions,
        "submissions": submissions,
        "values": values,
        "organisations": organisations,
    }
    if variant.startswith("report"):
        parts["texts"] = texts_fingerprint(edition)
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()[:40]


# The values part scans every figure of the editions shown: about two thirds of a fingerprint's
# time at 1,000 organisations, paid by every monitor and public page. What it adds to the
# submissions part is a figure written without the services (they raise the submission's version
# on every save), so it is kept for VALUES_SECONDS under the submissions part and a counter that
# every Value save and delete raises: a service write or a Value.save() anywhere counts at once;
# only a bulk update() or raw SQL on the values waits up to VALUES_SECONDS.
VALUES_SECONDS = 60
_VALUES_GENERATION = "monitor:values-generation"


def values_written() -> None:
    """Raise the counter of value writes, now and when the transaction commits (see VALUES_SECONDS)."""

    def bump() -> None:
        try:
            cache.incr(_VALUES_GENERATION)
        except ValueError:  # not there yet, or evicted
            cache.add(_VALUES_GENERATION, 1, timeout=None)

    bump()
    # A fingerprint computed before the commit saw the old figures: keep it from outliving the commit.
    transaction.on_commit(bump)


def _values_part(ids: list[int], *, raw: bool, submissions: list) -> list:
    """Count, last change, sum and versions of the figures of the editions (all, or approved only)."""
    generation = cache.get(_VALUES_GENERATION, 0)
    key = "monitor:values:" + hashlib.sha256(
        json.dumps([ids, raw, submissions, generation], default=str).encode()
    ).hexdigest()[:40]
    found = cache.get(key)
    if found is not None:
        return found
    values = Value.objects.filter(submission__edition_id__in=ids)
    if not raw:
        values = values.filter(submission__status=Submission.Status.APPROVED)
    found = sorted(
        values.aggregate(
            n=Count("id"), changed=Max("updated_at"), total=Sum("number"), versions=Sum("changed_in_version")
        ).items()
    )
    cache.set(key, found, VALUES_SECONDS)
    return found


def texts_fingerprint(edition: Edition) -> list:
    """The report's editorial texts: how many, which, their last change (one query)."""
    from apps.monitor.models import EditorialChapter

    found = EditorialChapter.objects.filter(edition=edition).aggregate(
        n=Count("id"), ids=Sum("id"), changed=Max("updated_at")
    )
    return sorted(found.items())


def cached_report(
    *, edition: Edition, published_only: bool, chapters: list[str] | None = None, fingerprint: str | None = None
) -> services.EditionReport:
    """`services.build_report`, kept until the data changes: chapter pages, charts and exports share it.

    `fingerprint`: the data's (as `data_fingerprint` gives it for the same variant and language),
    when the caller has it already.
    """
    if fingerprint is None:
        language = translation.get_language() or "nl"
        fingerprint = data_fingerprint(edition, "public" if published_only else "internal", language)
    base = f"monitor:report:{fingerprint}"
    # A whole report (refreshed after an approval, or built for a workbook) serves every chapter.
    keys = [f"{base}:all"] if not chapters else [f"{base}:all", f"{base}:{'+'.join(chapters)}"]
    try:
        found = cache.get_many(keys)
    except Exception:  # an entry the running code cannot read (a deploy in between): build it again
        logger.warning("Report cache entries %s could not be read; building the report again.", keys, exc_info=True)
        found = {}
    for key in keys:
        if found.get(key) is not None:
            return found[key]
    report = services.build_report(edition=edition, published_only=published_only, chapters=chapters)
    cache.set(keys[-1], report, REPORT_SECONDS)
    return report


# -- charts: the SVG of a table, kept with the report it is drawn from ----------------------------------

CHART_MISSING = b""  # a chart that cannot be drawn safely is remembered too (then a 404)


def chart_key(*, fingerprint: str, audience: str, chapter: str, table: str) -> str:
    """The chart's cache key: the report's fingerprint (new figures, new key) and who sees which figures."""
    return f"monitor:chart:{fingerprint}:{audience}:{chapter}:{table}"


def cached_chart(*, key: str, render: Callable[[], bytes | None]) -> bytes | None:
    """The SVG under `key`, rendered (pygal, 70-100 ms) only when it is not cached; None: not drawable."""
    try:
        found = cache.get(key)
    except Exception:  # an entry the running code cannot read: render it again
        logger.warning("Chart cache entry %s could not be read; rendering again.", key, exc_info=True)
        found = None
    if found is None:
        found = render() or CHART_MISSING
        cache.set(key, found, REPORT_SECONDS)
    return found or None


def document_fingerprint(edition: Edition, *, data: str) -> str:
    """The public pages' key: the public figures' fingerprint `data` and the editorial texts (one query)."""
    parts = [FORMAT_VERSION, data, texts_fingerprint(edition)]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:40]


def page_key(*, etag: str, language: str, path: str, published: list[int]) -> str:
    """A public page's rendered HTML: its ETag (figures and texts), language, URL and the published editions
    (the site's menu lists them); the same for every visitor, there is no account on the public site."""
    where = hashlib.sha256(json.dumps([language, path, published]).encode()).hexdigest()[:24]
    return f"monitor:public-page:{etag}:{where}"


def cached_page(*, key: str) -> tuple[bytes, str] | None:
    """(body, content type) stored by `store_page`, or None."""
    try:
        return cache.get(key)
    except Exception:  # an entry the running code cannot read: render it again
        logger.warning("Page cache entry %s could not be read; rendering again.", key, exc_info=True)
        return None


def store_page(*, key: str, body: bytes, content_type: str) -> None:
    cache.set(key, (body, content_type), REPORT_SECONDS)


# -- the document part of the logged-in pages ------------------------------------------------------
#
# A monitor page is a frame (navigation, the user's name, CSRF tokens, the downloads this user may
# have) around the document (title, completeness, tables, narratives): only the document is kept,
# under the report's fingerprint and who sees which figures, so no user's bits reach another user.


def fragment_key(*, name: str, fingerprint: str, parts: list) -> str:
    """The key of a page's document part: its report's fingerprint (new figures, new key) and `parts`."""
    where = hashlib.sha256(json.dumps([FORMAT_VERSION, *parts], default=str).encode()).hexdigest()[:24]
    return f"monitor:fragment:{name}:{fingerprint}:{where}"


def cached_fragment(*, key: str) -> str | None:
    """The HTML stored by `store_fragment`, or None."""
    try:
        return cache.get(key)
    except Exception:  # an entry the running code cannot read: render it again
        logger.warning("Fragment cache entry %s could not be read; rendering again.", key, exc_info=True)
        return None


def store_fragment(*, key: str, html: str) -> None:
    cache.set(key, str(html), REPORT_SECONDS)


def refresh_reports(*, year: int) -> list[int]:
    """Build and cache the whole reports of `year` and of the later editions that show it beside them.

    Run after an approval or an edition's change, so the first monitor page and the next export
    find their report ready. Staff's report always; the partners' one and the protected (public)
    one once an edition is published.
    Dutch only: the interface's first language (an English report is built when first asked for).
    """
    from apps.monitor import disclosure

    editions = list(Edition.objects.filter(year__gte=year).order_by("year")[: services.COMPARISON_EDITIONS])
    with translation.override("nl"):
        for edition in editions:
            cached_report(edition=edition, published_only=False)
            if edition.status == Edition.Status.PUBLISHED:
                cached_report(edition=edition, published_only=True)
                # The public site and protected partners read the protected report: its MILP and
                # audit (a few hundred ms) run here, not in the first visitor's request.
                try:
                    disclosure.protected_report(edition=edition, audience=disclosure.PROTECTED)
                except disclosure.DisclosureError:
                    logger.exception("Protected report of %s not built", edition.year)
    return [edition.year for edition in editions]
