"""The benchmark's data: 1,000 organisations x 10 closed editions, published ones, and the current edition.

The current (open) edition carries a realistic history: every submission was saved hundreds of
times. The rows are bulk inserts shaped exactly like what `services.save_values` writes for one
save: the changed Value rows (changed_in_version = the new submission version, updated_by,
updated_at), one simple-history HistoricalValue row per changed cell ("+" for a new cell, "~" for a
changed one) sharing that changed_in_version and the save's history_date and history_user, the
submission's version bumped, and one AuditEvent `submission.values_saved` with the same summary and
data. Some submissions went through a submit and a return: SubmissionEvent rows plus their audit entries.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from django.db import connection, transaction
from django.utils import timezone

from apps.partners.models import AuditEvent, Membership, Organisation, Role, User
from apps.submissions.benchmark import PREFIX, _cells_by_form, _organisations, generate, narrative
from apps.submissions.catalogue import load_catalogue
from apps.submissions.editions import publish_edition
from apps.submissions.models import Edition, Form, Indicator, Submission, SubmissionEvent, Value

SMALL_YEAR = 2000  # 30 organisations, closed and published: the "30" of "30 vs 1,000"
SMALL_ORGANISATIONS = 30
# Published editions before the small one (1998, 1999), as the large public edition has two: a report
# shows three years side by side, so without them the small pages read fewer years, not fewer organisations.
SMALL_EARLIER = 2
FIRST_YEAR = 2010  # ten closed editions 2010–2019 with every organisation
CLOSED_EDITIONS = 10
OPEN_YEAR = 2020  # the current edition, open, with the history of saves
SHORT_HISTORY = 3  # saves of the few submissions with a short history (the "short" of short vs long)
STAFF_EMAIL = "bench@var.invalid"


@dataclass(frozen=True)
class Sizes:
    organisations: int = 1000
    saves: int = 200  # saves per submission of the current edition
    seed: int = 2024

    @property
    def years(self) -> list[int]:
        return list(range(FIRST_YEAR, FIRST_YEAR + CLOSED_EDITIONS))

    @property
    def big_year(self) -> int:
        return self.years[-1]  # closed, not published: the staff's monitor pages

    @property
    def public_year(self) -> int:
        return self.years[-2]  # the newest published edition: the public site


def coordinator_email(index: int) -> str:
    return f"coordinator-{index:05d}@bench.invalid"


def is_short_history(index: int) -> bool:
    """A few submissions keep a short history, for the queries of short vs long history."""
    return index % 100 == 7


@contextlib.contextmanager
def _own_timestamps(*fields):
    """Bulk rows carry the time of the save they stand for, not the time of the benchmark."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, now_add in saved:
            f.auto_now, f.auto_now_add = now, now_add


def staff_user() -> User:
    user, _ = User.objects.get_or_create(email=STAFF_EMAIL, defaults={"name": "Benchmark VAR"})
    Membership.objects.get_or_create(user=user, organisation=Organisation.objects.get(slug="var"),
                                     defaults={"role": Role.REVIEWER})
    Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "x"}})
    return user


def ensure_people(orgs: list[Organisation]) -> dict[int, User]:
    """One coordinator per organisation (no password: the benchmark logs them in with force_login)."""
    emails = {coordinator_email(i): org for i, org in enumerate(orgs)}
    have = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    new = [User(email=e, name=f"Coördinator {e[12:17]}", password="!") for e in emails if e not in have]
    User.objects.bulk_create(new, batch_size=2000)
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    members = set(Membership.objects.filter(user__in=users.values()).values_list("user_id", flat=True))
    Membership.objects.bulk_create(
        [Membership(user=users[e], organisation=org, role=Role.COORDINATOR)
         for e, org in emails.items() if users[e].pk not in members],
        batch_size=2000,
    )
    return {org.pk: users[e] for e, org in emails.items()}


def _publish(years: list[int]) -> None:
    for edition in Edition.objects.filter(year__in=years, status=Edition.Status.CLOSED).order_by("year"):
        publish_edition(edition_id=edition.pk, user=None,
                        published_at=timezone.make_aware(datetime.datetime(edition.year + 1, 6, 1)))


def small_years() -> list[int]:
    """The small edition and the published ones before it, oldest first."""
    return list(range(SMALL_YEAR - SMALL_EARLIER, SMALL_YEAR + 1))


def ensure_small(sizes: Sizes) -> dict:
    """The 30-organisation edition and the editions before it, published through the publish service.

    `generate` writes only the editions and submissions that are missing and `_publish` only publishes
    closed editions, so a bench database made before the earlier editions existed gains them here
    and keeps its small edition as it is.
    Each earlier edition has figures of its own (seed + 1 for 1999, seed + 2 for 1998), as real
    editions do: 30 organisations give small random counts, so the public pages of 2000 protect and
    prove small counts of three years against three published editions (with these figures 1999
    once had two blanks under a total of 3 that the disclosure audit refused: issue 13, fixed).
    """
    stats = {}
    for year in small_years():
        stats[year] = generate(organisations=SMALL_ORGANISATIONS, editions=1, first_year=year,
                               seed=sizes.seed + SMALL_YEAR - year)["values_created"]
    _publish(small_years())
    return stats


def ensure(sizes: Sizes, out=print) -> dict:
    """Everything the benchmark reads; reused when it exists (only what is missing is written)."""
    stats = {}
    stats["small"] = ensure_small(sizes)
    stats["closed"] = generate(organisations=sizes.organisations, editions=CLOSED_EDITIONS, first_year=FIRST_YEAR,
                               seed=sizes.seed)
    _publish(sizes.years[:-1])
    staff_user()
    stats["open"] = ensure_open_edition(sizes, out=out)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return stats


# -- the current edition and its history ---------------------------------------------------------


def _cell_value(rng: random.Random, indicator: Indicator) -> tuple[int | None, str]:
    if indicator.kind == Indicator.Kind.TEXT:
        return None, narrative(rng)
    if indicator.kind == Indicator.Kind.BOOLEAN:
        return rng.randint(0, 1), ""
    return (rng.randint(0, 60) if rng.random() < 0.9 else None), ""


@transaction.atomic
def ensure_open_edition(sizes: Sizes, out=print) -> dict:
    edition = Edition.objects.filter(year=OPEN_YEAR).first()
    if edition is not None and edition.submissions.exists():
        return {"history": "reused", "submissions": edition.submissions.count()}
    if edition is None:
        edition = Edition.objects.create(year=OPEN_YEAR, status=Edition.Status.OPEN, deadline=timezone.localdate(),
                                         opens_on=timezone.localdate() - datetime.timedelta(days=90))
    if not edition.forms.exists():
        load_catalogue(edition=edition)
    orgs = _organisations(sizes.organisations)
    people = ensure_people([org for org, _ in orgs])
    forms = {f.code: f for f in Form.objects.filter(edition=edition)}
    cells = _cells_by_form(edition)
    rng = random.Random(sizes.seed + OPEN_YEAR)
    staff = staff_user()
    subs = Submission.objects.bulk_create(
        [Submission(edition=edition, organisation=org, form=forms[code]) for org, code in orgs], batch_size=2000
    )
    writer = _HistoryWriter()
    for index, sub in enumerate(subs):
        saves = SHORT_HISTORY if is_short_history(index) else sizes.saves
        writer.add(sub, cells[sub.form.code], people[sub.organisation_id], saves, rng,
                   returned=index % 10 == 3 and not is_short_history(index), staff=staff)
        if writer.pending >= 30_000:
            writer.flush()
    writer.flush()
    out(f"current edition {OPEN_YEAR}: {len(subs)} submissions, {writer.history_rows:,} history rows")
    return {"history": "written", "submissions": len(subs), "history_rows": writer.history_rows}


class _HistoryWriter:
    """Collects the rows of many simulated saves and writes them in bulk."""

    def __init__(self) -> None:
        self.values: list[Value] = []
        self.history: list[tuple[Value, dict]] = []  # the value (pk known after insert) and the record
        self.audits: list[AuditEvent] = []
        self.events: list[SubmissionEvent] = []
        self.subs: list[Submission] = []
        self.history_rows = 0

    @property
    def pending(self) -> int:
        return len(self.history)

    def add(self, sub: Submission, cells, user: User, saves: int, rng: random.Random, *, returned: bool,
            staff: User) -> None:
        end = timezone.now() - datetime.timedelta(hours=rng.randint(1, 48))
        start = end - datetime.timedelta(days=60)
        times = sorted(start + (end - start) * rng.random() for _ in range(saves))
        by_cell: dict[tuple, Value] = {}
        version = sub.version
        for n, at in enumerate(times):
            version += 1
            # The first save types in the whole form; later ones correct a few cells.
            chosen = cells if n == 0 else rng.sample(cells, min(len(cells), rng.randint(1, 4)))
            changed = 0
            for indicator, row, col in chosen:
                number, text = _cell_value(rng, indicator)
                value = by_cell.get((indicator.pk, row, col))
                kind = "~"
                if value is None:
                    kind = "+"
                    value = by_cell[(indicator.pk, row, col)] = Value(
                        submission=sub, indicator=indicator, row=row, col=col)
                elif (value.number, value.text) == (number, text):
                    continue  # an unchanged cell is no change, as in save_values
                value.number, value.text = number, text
                value.changed_in_version, value.updated_by, value.updated_at = version, user, at
                self.history.append((value, {
                    "submission_id": sub.pk, "indicator_id": indicator.pk, "row": row, "col": col,
                    "number": number, "text": text, "comment": "", "changed_in_version": version,
                    "updated_at": at, "updated_by_id": user.pk, "history_date": at, "history_type": kind,
                    "history_user_id": user.pk, "history_change_reason": None,
                }))
                changed += 1
            if not changed:
                version -= 1
                continue
            self.audits.append(AuditEvent(
                at=at, action=AuditEvent.Action.VALUES_SAVED, actor=user, actor_email=user.email,
                organisation_id=sub.organisation_id, object_type="submissions.submission", object_id=str(sub.pk),
                summary=f"{changed} wijziging(en) opgeslagen in {sub.form.title} {OPEN_YEAR}",
                data={"version": version, "cells": changed, "changes": changed},
            ))
        sub.version, sub.last_edited_by, sub.updated_at = version, user, times[-1] if times else end
        if returned:
            self._submit_and_return(sub, user, staff, sub.updated_at)
        self.values.extend(by_cell.values())
        self.subs.append(sub)

    def _submit_and_return(self, sub: Submission, user: User, staff: User, at: datetime.datetime) -> None:
        """Submitted after the last save and sent back by the VAR: the review cycle of a returned draft."""
        steps = [(SubmissionEvent.Action.SUBMIT, Submission.Status.DRAFT, Submission.Status.SUBMITTED, user, "",
                  AuditEvent.Action.SUBMITTED),
                 (SubmissionEvent.Action.RETURN, Submission.Status.SUBMITTED, Submission.Status.RETURNED, staff,
                  "Graag de totalen nakijken.", AuditEvent.Action.RETURNED)]
        for n, (action, source, target, actor, comment, audit_action) in enumerate(steps):
            when = at + datetime.timedelta(minutes=10 * (n + 1))
            sub.version += 1
            self.events.append(SubmissionEvent(submission=sub, at=when, actor=actor, action=action,
                                               from_status=source, to_status=target, comment=comment))
            self.audits.append(AuditEvent(
                at=when, action=audit_action, actor=actor, actor_email=actor.email,
                organisation_id=sub.organisation_id, object_type="submissions.submission", object_id=str(sub.pk),
                summary=f"{action.label}: {sub.form.title} {OPEN_YEAR}" + (f" – {comment}" if comment else ""),
                data={"from": source, "to": target, "late": False},
            ))
        sub.status = Submission.Status.RETURNED
        sub.submitted_at = at + datetime.timedelta(minutes=10)
        sub.updated_at = at + datetime.timedelta(minutes=20)

    def flush(self) -> None:
        history_model = Value.history.model
        fields = [Value._meta.get_field("updated_at"), AuditEvent._meta.get_field("at"),
                  Submission._meta.get_field("updated_at")]
        with _own_timestamps(*fields):
            Value.objects.bulk_create(self.values, batch_size=5000)
            history_model.objects.bulk_create(
                [history_model(id=value.pk, **record) for value, record in self.history], batch_size=5000)
            AuditEvent.objects.bulk_create(self.audits, batch_size=5000)
            SubmissionEvent.objects.bulk_create(self.events, batch_size=5000)
            Submission.objects.bulk_update(
                self.subs, ["version", "last_edited_by", "updated_at", "status", "submitted_at"], batch_size=1000)
        self.history_rows += len(self.history)
        self.values, self.history, self.audits, self.events, self.subs = [], [], [], [], []


def organisations(sizes: Sizes) -> list[Organisation]:
    return list(Organisation.objects.filter(slug__startswith=PREFIX).order_by("slug")[: sizes.organisations])
