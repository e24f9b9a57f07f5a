"""The benchmark's instrument: its data has the real shapes, and its page list misses no page of the matrix."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.partners.models import AuditEvent, User
from apps.submissions import services
from apps.submissions.bench import data, formdata
from apps.submissions.bench.pages import NOT_MEASURED, PAGES
from apps.submissions.models import Edition, Indicator, Submission, Value
from apps.submissions.review import timeline
from apps.submissions.selectors import load_form_context
from tests.test_permission_matrix import MATRIX

SIZES = data.Sizes(organisations=3, saves=6)


@pytest.fixture
def generated(db):
    data.ensure_open_edition(SIZES, out=lambda *a: None)
    return list(Submission.objects.filter(edition__year=data.OPEN_YEAR).select_related("organisation", "form")
                .order_by("organisation__slug"))


def _coordinator(submission: Submission) -> User:
    return User.objects.get(memberships__organisation=submission.organisation)


def test_it_measures_every_page_of_the_permission_matrix_a_user_gets():
    gets = {name for name, (method, _) in MATRIX.items() if method == "get"}
    missing = gets - {p.name for p in PAGES} - set(NOT_MEASURED)
    assert not missing, f"Add these pages to apps/submissions/bench/pages.py PAGES (or NOT_MEASURED): {sorted(missing)}"
    assert set(NOT_MEASURED) <= gets, "NOT_MEASURED names URLs the matrix does not have"


def test_it_writes_a_history_the_timeline_reads_back_save_by_save(generated):
    submission = generated[0]
    context = load_form_context(submission)
    saves = [e for e in timeline(submission, context.grids) if "versie" in e.what]
    assert len(saves) == SIZES.saves
    assert submission.version == 1 + SIZES.saves
    assert saves[0].what.endswith(f"(versie {submission.version})")  # newest first
    assert all(e.items and e.who == _coordinator(submission).email for e in saves)


def test_it_writes_one_audit_entry_per_save_with_the_saves_version(generated):
    submission = generated[0]
    audited = AuditEvent.objects.filter(object_id=str(submission.pk), action=AuditEvent.Action.VALUES_SAVED)
    versions = sorted(e.data["version"] for e in audited)
    history = set(Value.history.filter(submission_id=submission.pk).values_list("changed_in_version", flat=True))
    assert versions == sorted(history) == list(range(2, submission.version + 1))


def test_it_keeps_each_cells_newest_version_on_the_value_row(generated):
    submission = generated[0]
    for value in Value.objects.filter(submission=submission):
        newest = Value.history.filter(id=value.pk).order_by("-changed_in_version").first()
        assert (value.changed_in_version, value.number, value.text) == (newest.changed_in_version, newest.number,
                                                                       newest.text)


def test_it_writes_rows_shaped_like_the_real_save_service(generated):
    submission = generated[0]
    user = _coordinator(submission)
    context = load_form_context(submission)
    cell = next(c for c, g in ((c, context.grids[c[0]]) for c in context.values) if g.indicator.kind == "count")
    before = Value.objects.get(submission=submission, indicator__code=cell[0], row=cell[1], col=cell[2]).number
    services.save_values(submission_id=submission.pk, user=user, base_version=submission.version, explanations={},
                         cells={cell: services.CellInput(number=(before or 0) + 1)})
    real, generated_record = Value.history.filter(submission_id=submission.pk).order_by("-history_id")[:2]

    def shape(record):
        return {
            "type": record.history_type, "user": record.history_user_id, "by": record.updated_by_id,
            "fields": sorted(f.name for f in record._meta.fields if getattr(record, f.attname) is not None),
        }

    assert shape(generated_record) == shape(real) | {"type": generated_record.history_type}
    real_audit, generated_audit = AuditEvent.objects.filter(action=AuditEvent.Action.VALUES_SAVED,
                                                            object_id=str(submission.pk)).order_by("-id")[:2]
    assert set(generated_audit.data) == set(real_audit.data)
    assert (generated_audit.object_type, generated_audit.actor_id) == (real_audit.object_type, real_audit.actor_id)
    assert generated_audit.summary.split(" ", 1)[1] == real_audit.summary.split(" ", 1)[1]


def test_it_gives_every_organisation_narratives_of_100_to_600_characters(generated):
    texts = Value.objects.filter(submission__in=generated, indicator__kind=Indicator.Kind.TEXT)
    assert {t.submission_id for t in texts} == {s.pk for s in generated}
    assert all(100 <= len(t.text) <= 601 for t in texts)


def test_it_posts_the_form_as_the_browser_does_and_it_saves(client, generated):
    submission = generated[1]
    client.force_login(_coordinator(submission))
    url = reverse("submission_form", kwargs={"pk": submission.pk})
    fields = formdata.form_fields(client.get(url).content.decode())
    names = formdata.count_fields(fields)
    response = client.post(url, formdata.change(fields, names, step=1))
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.version == 1 + SIZES.saves + 1


def test_it_gives_an_existing_small_edition_its_earlier_published_editions(db):
    from apps.monitor.services import comparison_years
    from apps.submissions.benchmark import generate

    # A bench database made before the earlier editions existed: the small edition alone, published.
    generate(organisations=data.SMALL_ORGANISATIONS, editions=1, first_year=data.SMALL_YEAR, seed=SIZES.seed)
    data._publish([data.SMALL_YEAR])
    small = Edition.objects.get(year=data.SMALL_YEAR)
    before = sorted(Value.objects.filter(submission__edition=small).values_list("pk", "number", "text"))
    data.ensure_small(SIZES)
    assert comparison_years(small, published_only=True) == data.small_years()[::-1] == [2000, 1999, 1998]
    for year in data.small_years():
        edition = Edition.objects.get(year=year)
        assert edition.status == Edition.Status.PUBLISHED and edition.revisions.count() == 1  # the publish service
        assert edition.submissions.filter(status=Submission.Status.APPROVED).count() == data.SMALL_ORGANISATIONS
    assert sorted(Value.objects.filter(submission__edition=small).values_list("pk", "number", "text")) == before
    data.ensure_small(SIZES)  # and nothing more the next time
    assert Edition.objects.filter(year__lte=data.SMALL_YEAR).count() == 3
    assert Submission.objects.filter(edition__year__lte=data.SMALL_YEAR).count() == 3 * data.SMALL_ORGANISATIONS
