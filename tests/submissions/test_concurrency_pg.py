"""Two real concurrent saves and two concurrent transitions, each thread on its own connection (issue 11).

PostgreSQL only: SQLite serialises writers, so nothing could race. Each test forces the interleaving
that loses data without its guard: both threads are held at a barrier inside the service, after
they read the submission and before they write. With the guard, the second thread cannot get there
(the row lock) or finds its write refused (the conditional UPDATE); the barrier then times out.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from apps.submissions import services
from apps.submissions.models import Submission, SubmissionEvent, Value

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="Row locks need PostgreSQL; SQLite serialises writers."),
    pytest.mark.django_db(transaction=True),
]

CTRL = "gem_bestuurlijke_controles"
CELL = (CTRL, "bouwplaatsen", "")
WAIT = 3  # seconds a thread waits at the barrier for the other before going on alone


def _setup():
    from apps.partners.models import Organisation, Role
    from tests.conftest import _member, _with_totp, ensure_reference_data

    ensure_reference_data()
    rotterdam = Organisation.objects.get(slug="gemeente-rotterdam")
    people = [_member(f"p{i}@rotterdam.invalid", rotterdam, Role.COORDINATOR) for i in range(2)]
    reviewers = [_with_totp(_member(f"r{i}@var.invalid", Organisation.objects.get(slug="var"), Role.REVIEWER)) for i in range(2)]
    edition = services.create_edition(year=2024, created_by=None)
    services.open_edition(edition=edition, opened_by=None)
    return Submission.objects.get(edition=edition, organisation=rotterdam), people, reviewers


def _hold_at(barrier):
    def hold(*args, **kwargs):
        try:
            barrier.wait(timeout=WAIT)
        except threading.BrokenBarrierError:
            pass  # the other thread is (rightly) blocked or refused: go on alone

    return hold


def _run(target, args_list) -> list[str]:
    outcomes: list[str] = []

    def run(*args):
        try:
            outcomes.append(target(*args))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


def test_it_lets_only_one_of_two_simultaneous_saves_of_the_same_cell_through(monkeypatch):
    submission, people, __ = _setup()
    services.save_values(
        submission_id=submission.pk, user=people[0], cells={CELL: services.CellInput(number=1)}, explanations={}, base_version=1
    )
    barrier = threading.Barrier(2)
    real_load = services.load_form_context

    def held_load(sub):
        _hold_at(barrier)()
        return real_load(sub)

    monkeypatch.setattr(services, "load_form_context", held_load)  # runs after the row lock, before the writes

    def save(user, number):
        try:
            services.save_values(
                submission_id=submission.pk, user=user, cells={CELL: services.CellInput(number=number)},
                explanations={}, base_version=2,
            )
            return "saved"
        except services.StaleVersion:
            return "conflict"

    outcomes = _run(save, [(people[0], 5), (people[1], 9)])

    assert outcomes == ["conflict", "saved"]
    submission.refresh_from_db()
    assert submission.version == 3
    assert Value.objects.get(submission=submission).history.count() == 2  # no silently overwritten save


def test_it_lets_only_one_of_two_simultaneous_approvals_through_even_without_the_row_lock(monkeypatch):
    """The conditional UPDATE on status and version guards on its own (defence in depth)."""
    submission, people, reviewers = _setup()
    services.transition(submission_id=submission.pk, action=SubmissionEvent.Action.SUBMIT, user=people[0])
    manager = type(Submission.objects)
    monkeypatch.setattr(manager, "select_for_update", lambda self, **kwargs: self.get_queryset())
    barrier = threading.Barrier(2)
    real_may_act = services.may_act

    def held_may_act(*args):
        _hold_at(barrier)()  # both have read the submission as 'submitted'
        return real_may_act(*args)

    monkeypatch.setattr(services, "may_act", held_may_act)

    def approve(user):
        try:
            services.transition(submission_id=submission.pk, action=SubmissionEvent.Action.APPROVE, user=user)
            return "ok"
        except services.TransitionNotAllowed:
            return "refused"

    assert _run(approve, [(r,) for r in reviewers]) == ["ok", "refused"]
    assert SubmissionEvent.objects.filter(action=SubmissionEvent.Action.APPROVE).count() == 1
    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED
