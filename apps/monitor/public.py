"""The public figures of a published edition: the ONE place the public site and the public PDF get them.

Everything a visitor without an account sees (report pages, charts, the public PDF, open data) is
read through `public_report()`: the report of the published editions only, with primary and
secondary suppression applied over all its tables together, exactly as the public workbook does.
Swapping the disclosure control for another implementation means changing this function only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from apps.monitor import disclosure, services
from apps.monitor.suppression import Suppression
from apps.submissions.models import Edition


@dataclass
class PublicReport:
    report: services.EditionReport
    suppression: Suppression
    threshold: int

    def symbol(self, cell_id) -> str | None:
        return self.suppression.symbol(cell_id, self.threshold)


def published_edition(year: int) -> Edition:
    """The published edition of `year`, or 404: an unpublished edition does not exist publicly."""
    edition = Edition.objects.filter(year=year, status=Edition.Status.PUBLISHED).first()
    if edition is None:
        raise Http404
    return edition


def public_report(edition: Edition, *, fingerprint: str | None = None) -> PublicReport:
    """The published report with every small count hidden (`<5`) and every recomputable one too (`x`).

    The protected report cached under the data's fingerprint (`disclosure.protected_report`): the
    suppression over three editions is computed once per change, not on every page view, and the
    hidden cells carry no number. `fingerprint`: the "public" variant's, when the caller has it.
    """
    if edition.status != Edition.Status.PUBLISHED:
        raise Http404
    found = disclosure.protected_report(edition=edition, audience=disclosure.PUBLIC, fingerprint=fingerprint)
    threshold = services.suppression_threshold(edition)
    return PublicReport(report=found.report, suppression=found.suppression, threshold=threshold)
