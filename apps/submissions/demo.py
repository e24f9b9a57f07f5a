"""Demo data: the accounts of the README and the figures of the Mensenhandelmonitor 2023."""

from __future__ import annotations

import datetime
from pathlib import Path

import yaml
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.partners.models import Membership, Organisation, Role, User
from apps.partners.services import _sync_admin_flags
from apps.submissions import editions, services
from apps.submissions.models import TOTAL, Edition, Submission, SubmissionEvent, default_deadline
from apps.submissions.selectors import load_form_context

DEMO_PASSWORD = "mensenhandel-demo"
DEMO_ACCOUNTS = [
    # email, name, organisation slug, role
    ("politie@demo.invalid", "Petra Politie (demo)", "politie-tmm", Role.COORDINATOR),
    ("essm@demo.invalid", "Eva ESSM (demo)", "humanitas-essm", Role.COORDINATOR),
    ("rotterdam@demo.invalid", "Rob Rotterdam (demo)", "gemeente-rotterdam", Role.COORDINATOR),
    ("dordrecht@demo.invalid", "Dirk Dordrecht (demo)", "gemeente-dordrecht", Role.COORDINATOR),
    ("var@demo.invalid", "Vera VAR (demo)", "var", Role.REVIEWER),
    ("admin@demo.invalid", "Aad Beheer (demo)", "var", Role.ADMINISTRATOR),
]
FIGURES_PATH = Path(settings.BASE_DIR) / "catalogue" / "demo_figures.yaml"
HISTORIC_YEARS = (2021, 2022, 2023)
OPEN_YEAR = 2024


def ensure_accounts() -> dict[str, User]:
    users = {}
    for email, name, slug, role in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name)
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        Membership.objects.update_or_create(
            user=user, organisation=Organisation.objects.get(slug=slug), defaults={"role": role}
        )
        _sync_admin_flags(user)
        users[email] = user
    return users


def _cells(values: dict) -> dict:
    """Flatten the YAML's nested cells into {(indicator, row, col): number or text}."""
    cells = {}
    for code, spec in values.items():
        if not isinstance(spec, dict):
            cells[(code, "", "")] = spec
            continue
        for row, inner in spec.items():
            if isinstance(inner, dict):
                for col, value in inner.items():
                    cells[(code, str(row), str(col))] = value
            else:
                cells[(code, str(row), "")] = inner
    return cells


def _comments(comments: dict) -> dict:
    flat = {}
    for code, by_cell in (comments or {}).items():
        for where, text in by_cell.items():
            row, _, col = str(where).partition("/")
            flat[(code, row, col)] = " ".join(str(text).split())
    return flat


def fill_submission(submission: Submission, spec: dict) -> None:
    """Write the figures as the system, then explain each remaining warning."""
    context = load_form_context(submission)
    cells = _cells(spec.get("values", {}))
    comments = _comments(spec.get("comments", {}))
    inputs = {}
    for cell in set(cells) | set(comments):
        value = cells.get(cell)
        text = " ".join(value.split()) if isinstance(value, str) else ""
        number = value if isinstance(value, int) else None
        inputs[cell] = services.CellInput(number=number, text=text, comment=comments.get(cell, ""))
    services.save_values(
        submission_id=submission.pk, user=None, cells=inputs, explanations={}, base_version=submission.version
    )
    submission.refresh_from_db()
    context = load_form_context(submission)
    findings = context.findings()
    given = {k: " ".join(str(v).split()) for k, v in (spec.get("explanations") or {}).items()}
    explanations = {
        f.key: given.get(f.key, f"Zo gepubliceerd in de Mensenhandelmonitor {submission.edition.year}.")
        for f in findings
        if not f.is_error
    }
    if explanations:
        services.save_values(
            submission_id=submission.pk, user=None, cells={}, explanations=explanations, base_version=submission.version
        )


def _not_delivered_reason(year: int) -> str:
    return f"Niet uitgevraagd voor de monitor {year}."


# Organisations that said "niets te melden" themselves (by their demo coordinator), per year.
NOTHING_TO_REPORT = {
    2023: {("gemeente-dordrecht", "gemeente"): "Geen eigen controles of campagnes over 2023."},
}


@transaction.atomic
def load_historic_edition(year: int, figures: dict, reviewer: User, coordinators: dict[str, User] | None = None) -> Edition:
    """A published edition as the printed monitor has it: its figures approved, everything else
    complete without figures ("niets te melden", "niet van toepassing"), published as revision 1."""
    edition = Edition.objects.filter(year=year).first()
    if edition is not None and edition.status == Edition.Status.PUBLISHED:
        return edition
    if edition is None:
        # The dates it had then, not today's defaults.
        edition = editions.create_edition(
            year=year, created_by=None, opens_on=datetime.date(year + 1, 1, 1), deadline=default_deadline(year)
        )
    editions.open_edition(edition=edition, opened_by=None)
    delivered = set()
    for slug, forms in (figures.get(year) or {}).items():
        for form_code, spec in forms.items():
            submission = Submission.objects.get(edition=edition, organisation__slug=slug, form__code=form_code)
            fill_submission(submission, spec)
            # The approval workflow did not exist yet in 2021-2023: record the monitor's figures as approved.
            approved_at = timezone.make_aware(datetime.datetime(year + 1, 3, 15, 10, 0))
            submission.refresh_from_db()
            Submission.objects.filter(pk=submission.pk).update(
                approved_version=submission.version,
                status=Submission.Status.APPROVED,
                submitted_at=timezone.make_aware(datetime.datetime(year + 1, 2, 20, 16, 0)),
                approved_at=approved_at,
                approved_by=reviewer,
            )
            delivered.add(submission.pk)
    # Everyone else delivered nothing for the printed monitor: said so, through the workflow.
    coordinators = coordinators or {}
    for submission in Submission.objects.filter(edition=edition).exclude(pk__in=delivered).select_related("organisation", "form"):
        key = (submission.organisation.slug, submission.form.code)
        reason = NOTHING_TO_REPORT.get(year, {}).get(key)
        coordinator = coordinators.get(submission.organisation.slug)
        if reason and coordinator is not None:
            services.transition(
                submission_id=submission.pk, action=SubmissionEvent.Action.NOTHING_TO_REPORT, user=coordinator, comment=reason
            )
        else:
            services.transition(
                submission_id=submission.pk,
                action=SubmissionEvent.Action.NOT_APPLICABLE,
                user=reviewer,
                comment=_not_delivered_reason(year),
            )
    editions.close_edition(edition_id=edition.pk, user=reviewer)
    editions.publish_edition(
        edition_id=edition.pk, user=None, published_at=timezone.make_aware(datetime.datetime(year + 1, 5, 1, 9, 0))
    )
    edition.refresh_from_db()
    return edition


def load_demo() -> None:
    users = ensure_accounts()
    reviewer = users["var@demo.invalid"]
    figures = yaml.safe_load(FIGURES_PATH.read_text(encoding="utf-8"))["editions"]
    coordinators = {slug: users[email] for email, __, slug, role in DEMO_ACCOUNTS if role == Role.COORDINATOR}
    for year in HISTORIC_YEARS:
        load_historic_edition(year, figures, reviewer, coordinators)
    from apps.monitor.demo import load_report_texts  # the monitor app builds on this one

    load_report_texts()  # the printed report's texts around the figures
    if not Edition.objects.filter(year=OPEN_YEAR).exists():
        # Keep the demo's open edition open: its deadline lies a month ahead of today.
        deadline = max(datetime.date(OPEN_YEAR + 1, 3, 1), timezone.localdate() + datetime.timedelta(days=30))
        edition = editions.create_edition(year=OPEN_YEAR, created_by=None, deadline=deadline)
        editions.open_edition(edition=edition, opened_by=None)


__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "TOTAL", "load_demo"]
