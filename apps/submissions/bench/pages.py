"""Every page a user visits, per role, with the URL at two sizes; queries per request side by side.

PAGES names each GET of the permission matrix (tests/test_permission_matrix.py) a user makes;
NOT_MEASURED the few left out, each with its reason. tests/submissions/test_benchmark_pages.py fails
when a URL of the matrix is in neither, so a new page cannot escape the benchmark.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.submissions.bench import data, formdata
from apps.submissions.models import Submission

COORDINATOR, STAFF, ANONYMOUS = "partner coordinator", "VAR reviewer", "anonymous"
CHAPTER, TABLE, ANCHOR = "politie", "pol_aangiftes", "cijfers-politie"


@dataclass(frozen=True)
class Page:
    label: str
    name: str  # the URL name (the permission matrix's key)
    role: str
    kind: str  # which objects the URL names: see Targets.kwargs
    extra: tuple[tuple[str, object], ...] = ()


PAGES: list[Page] = [
    Page("start page (partner)", "home", COORDINATOR, "none"),
    Page("start page (staff)", "home", STAFF, "none"),
    Page("staff work queue", "staff_home", STAFF, "none"),
    Page("staff dashboard", "staff_dashboard", STAFF, "none"),
    Page("organisation page (partner)", "organisation_detail", COORDINATOR, "organisation"),
    Page("organisation page (staff)", "staff_organisation", STAFF, "organisation"),
    Page("invite", "invite", STAFF, "none"),
    Page("pending invitations", "pending_invitations", STAFF, "none"),
    Page("submission form GET", "submission_form", COORDINATOR, "submission"),
    Page("submission form GET (staff)", "submission_form", STAFF, "submission"),
    Page("submit page", "submission_submit", COORDINATOR, "submission"),
    Page("Excel template", "submission_excel", COORDINATOR, "submission"),
    Page("Excel upload page", "submission_upload", COORDINATOR, "submission"),
    Page("nothing-to-report page", "submission_state", COORDINATOR, "submission", (("action", "nothing_to_report"),)),
    Page("review page", "review_submission", STAFF, "submission"),
    Page("history page", "submission_history", COORDINATOR, "submission"),
    Page("history page (staff)", "submission_history", STAFF, "submission"),
    Page("edition list", "edition_list", STAFF, "none"),
    Page("edition overview (current edition)", "edition_overview", STAFF, "open_year"),
    Page("edition overview (closed edition)", "edition_overview", STAFF, "year"),
    Page("close edition page", "edition_close", STAFF, "open_year"),
    Page("reopen edition page", "edition_reopen", STAFF, "year"),
    Page("publish edition page", "edition_publish", STAFF, "year"),
    Page("disclosure policy page", "edition_disclosure", STAFF, "year"),
    Page("correction page", "edition_correction", STAFF, "public_year"),
    Page("revision CSV", "edition_revision_csv", STAFF, "public_year", (("number", 1),)),
    Page("audit log", "audit_log", STAFF, "none"),
    Page("monitor index (partner)", "monitor_index", COORDINATOR, "none"),
    Page("monitor index (staff)", "monitor_index", STAFF, "none"),
    Page("monitor edition", "monitor_edition", STAFF, "year"),
    Page("monitor chapter", "monitor_chapter", STAFF, "year", (("chapter", CHAPTER),)),
    Page("monitor chart SVG", "monitor_chart", STAFF, "year", (("chapter", CHAPTER), ("table", TABLE))),
    Page("internal report", "report_internal", STAFF, "year"),
    Page("report texts", "report_texts", STAFF, "year"),
    Page("new report text", "report_text_new", STAFF, "year"),
    Page("export status", "monitor_export_status", STAFF, "year", (("variant", "internal"),)),
    Page("public index", "public_index", ANONYMOUS, "none"),
    Page("public edition", "public_edition", ANONYMOUS, "public_year"),
    Page("public whole report", "public_whole", ANONYMOUS, "public_year"),
    Page("public chapter", "public_chapter", ANONYMOUS, "public_year", (("anchor", ANCHOR),)),
    Page("public chart SVG", "public_chart", ANONYMOUS, "public_year", (("chapter", CHAPTER), ("table", TABLE))),
    Page("public open data", "public_open_data", ANONYMOUS, "public_year"),
    Page("public open data index", "public_open_data_index", ANONYMOUS, "public_year"),
    Page("public open data file", "public_open_data_file", ANONYMOUS, "public_year",
         (("chapter", CHAPTER), ("table", TABLE), ("ext", "csv"))),
]

NOT_MEASURED: dict[str, str] = {
    "healthz": "a probe of the database, cache, broker and worker, not a page",
    "edition_correction_cancel": "needs a correction in progress; the generated data has none (the correction page is measured)",
    "report_text_edit": "the generated data has no editorial texts (the new-text page is measured)",
    "monitor_export_progress": "needs an export job in progress; the exports section times the builds",
    "monitor_export_file": "idem: a built file; the exports section times the builds",
    "monitor_export_download": "idem: the download of a built file",
    "public_download": "would start an export build; the exports section times the builds",
}


@dataclass
class Targets:
    """The objects the pages open, at the large and the small size."""

    sizes: data.Sizes

    def __post_init__(self) -> None:
        subs = list(Submission.objects.filter(edition__year=data.OPEN_YEAR, form__code=CHAPTER)
                    .order_by("organisation__slug").values_list("pk", "organisation__slug"))
        orgs = list(data.organisations(self.sizes))
        position = {o.slug: i for i, o in enumerate(orgs)}
        long = [(pk, slug) for pk, slug in subs if not data.is_short_history(position[slug])]
        short = [(pk, slug) for pk, slug in subs if data.is_short_history(position[slug])]
        if not short:  # too few organisations for a short history of this form: any form then
            short = list(Submission.objects.filter(edition__year=data.OPEN_YEAR, version__lte=data.SHORT_HISTORY + 1)
                         .values_list("pk", "organisation__slug")[:1])
        self.long_submission, self.long_org = long[0]
        self.short_submission, self.short_org = short[0]
        self.position = position

    def kwargs(self, page: Page, *, small: bool) -> dict | None:
        """The URL's arguments; None when the page has one size only (it does not depend on the data's size)."""
        kw = dict(page.extra)
        if page.kind == "none":
            return None if small else kw
        if page.kind == "organisation":
            return None if small else kw | {"slug": self.long_org}
        if page.kind == "submission":
            return kw | {"pk": self.short_submission if small else self.long_submission}
        if page.kind == "open_year":
            return None if small else kw | {"year": data.OPEN_YEAR}
        if page.kind == "year":
            return kw | {"year": data.SMALL_YEAR if small else self.sizes.big_year}
        if page.kind == "public_year":
            return kw | {"year": data.SMALL_YEAR if small else self.sizes.public_year}
        raise ValueError(page.kind)

    def url(self, page: Page, *, small: bool = False) -> str | None:
        kw = self.kwargs(page, small=small)
        return None if kw is None else reverse(page.name, kwargs=kw)

    def user_for(self, role: str, *, small: bool = False):
        if role == STAFF:
            return data.staff_user()
        if role == COORDINATOR:
            from apps.partners.models import User

            slug = self.short_org if small else self.long_org
            return User.objects.get(email=data.coordinator_email(self.position[slug]))
        return None


def client_for(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    return client


def timed(fn, repeat: int = 5) -> float:
    """Median seconds of `repeat` runs after one warm-up."""
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def _count(client: Client, method: str, url: str, payload=None) -> tuple[int, int]:
    cache.clear()  # count the queries of building the page, not of reading a cached report
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, payload) if method == "post" else client.get(url)
    return response.status_code, len(ctx.captured_queries)


def verdict(small: int | None, large: int) -> str:
    if small is None:
        return "one size"
    return "constant" if large <= small + 1 else "GROWS"


def queries(report, targets: Targets) -> None:
    """Queries per request at 30 vs 1,000 organisations (or short vs long history), and in-process time."""
    report.section("Queries per request, two sizes (in-process, report cache emptied before each count)")
    report.line(f"small: the {data.SMALL_YEAR} edition (30 organisations) or a submission with "
                f"{data.SHORT_HISTORY} saves; large: {targets.sizes.organisations} organisations or "
                f"{targets.sizes.saves} saves. Time: median of 3 in-process after a warm-up, cache warm.")
    rows = []
    clients: dict[tuple[str, bool], Client] = {}
    for page in PAGES:
        cells = []
        for small in (True, False):
            url = targets.url(page, small=small)
            if url is None:
                cells.append(None)
                continue
            key = (page.role, small)
            if key not in clients:
                clients[key] = client_for(targets.user_for(page.role, small=small))
            client = clients[key]
            client.get(url)  # session and resolver warmed up
            status, count = _count(client, "get", url)
            ms = timed(lambda client=client, url=url: client.get(url), repeat=3) * 1000
            cells.append((status, count, ms))
        small_cell, large = cells
        rows.append([page.label, page.role,
                     "–" if small_cell is None else f"{small_cell[1]} ({small_cell[0]})",
                     f"{large[1]} ({large[0]})",
                     verdict(None if small_cell is None else small_cell[1], large[1]),
                     "–" if small_cell is None else f"{small_cell[2]:.0f}", f"{large[2]:.0f}"])
    rows += save_queries(targets)
    years = data.small_years()
    report.line("The save's time includes reading the form page again (GET after the redirect). Edition pages: "
                f"the small edition {data.SMALL_YEAR} has {len(years) - 1} earlier published editions beside it "
                f"({', '.join(map(str, years[:-1]))}, {data.SMALL_ORGANISATIONS} organisations), as the large "
                f"ones have, so both compare the same number of years.")
    report.table(["page", "role", "queries small (status)", "queries large (status)", "", "ms small", "ms large"], rows)


def save_queries(targets: Targets) -> list[list]:
    """The form's POST save with 1 changed cell and with every figure changed, on the long history."""
    user = targets.user_for(COORDINATOR)
    client = client_for(user)
    url = reverse("submission_form", kwargs={"pk": targets.long_submission})
    counts = []
    for n in (1, None):
        fields = formdata.form_fields(client.get(url).content.decode())
        names = formdata.count_fields(fields)
        names = names[:n] if n else names
        status, count = _count(client, "post", url, formdata.change(fields, names, step=1))
        start = time.perf_counter()
        fields = formdata.form_fields(client.get(url).content.decode())
        client.post(url, formdata.change(fields, names, step=2))
        counts.append((len(names), status, count, (time.perf_counter() - start) * 1000))
    (n1, s1, c1, t1), (n2, s2, c2, t2) = counts
    return [[f"form POST save, {n1} vs {n2} changed cells", COORDINATOR, f"{c1} ({s1})", f"{c2} ({s2})",
             verdict(c1, c2), f"{t1:.0f}", f"{t2:.0f}"]]
