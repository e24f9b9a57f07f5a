"""What a coordinator sees before submitting: per section what is filled, and what still blocks.

Blank means unknown and zero means "known to be none": the summary counts them apart, so a
police form with six of eight tables empty is visible before it is sent, not after.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from apps.submissions.models import Indicator
from apps.submissions.selectors import FormContext
from apps.submissions.services import open_findings


@dataclass(frozen=True)
class SectionCount:
    code: str
    title: str
    filled: int  # a number above 0, a yes/no answer, or a text
    zero: int
    blank: int

    @property
    def total(self) -> int:
        return self.filled + self.zero + self.blank

    @property
    def is_empty(self) -> bool:
        return self.filled == 0 and self.zero == 0


@dataclass(frozen=True)
class Blocker:
    table: str
    message: str
    url: str
    is_error: bool


def section_counts(context: FormContext) -> list[SectionCount]:
    counts = []
    for section, grids in context.sections:
        filled = zero = blank = 0
        for grid in grids:
            code = grid.indicator.code
            for key in grid.keys():
                value = context.values.get((code, *key))
                if grid.indicator.kind == Indicator.Kind.TEXT:
                    has_text = bool(value and value.text.strip())
                    filled += has_text
                    blank += not has_text
                elif value is None or value.number is None:
                    blank += 1
                elif value.number == 0 and grid.indicator.kind == Indicator.Kind.COUNT:
                    zero += 1
                else:
                    filled += 1
        counts.append(SectionCount(code=section.code, title=section.title, filled=filled, zero=zero, blank=blank))
    return counts


def blockers(context: FormContext) -> list[Blocker]:
    """Errors and unexplained warnings, each with its table's name and a link to it on the form."""
    form_url = reverse("submission_form", args=[context.submission.pk])
    result = []
    for finding in open_findings(context):
        grid = context.grids.get(finding.indicator_code)
        result.append(
            Blocker(
                table=grid.indicator.label if grid else finding.indicator_code,
                message=finding.message,
                url=f"{form_url}#indicator-{finding.indicator_code}",
                is_error=finding.is_error,
            )
        )
    return result
