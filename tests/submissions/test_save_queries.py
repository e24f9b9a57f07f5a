"""A form save costs the same number of queries for one changed cell as for every cell (issue 17)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.submissions.forms import SubmissionForm
from apps.submissions.models import Indicator, Submission, Value
from apps.submissions.selectors import load_form_context


def _page(submission) -> tuple[dict[str, str], list[str]]:
    form = SubmissionForm(context=load_form_context(submission))
    data = {name: "" if f.initial is None else str(f.initial) for name, f in form.fields.items()}
    counts = [
        name for name in data
        if name.startswith("v-") and form.context.grids[name.split("-")[1]].indicator.kind == Indicator.Kind.COUNT
    ]
    return data, counts


def _queries_for_save(client, user, submission, cells: int) -> int:
    data, counts = _page(submission)
    for i, name in enumerate(counts[:cells]):
        data[name] = str(i + 1)
    client.force_login(user)
    client.get(reverse("submission_form", args=[submission.pk]))  # warm the session and the caches
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("submission_form", args=[submission.pk]), data)
    assert response.status_code == 302
    assert Value.objects.filter(submission=submission).count() == min(cells, len(counts))
    return len(queries)


def test_it_saves_one_cell_and_a_full_form_with_the_same_number_of_queries(
    client, politie_coordinator, edition_2023, police_2024
):
    one = Submission.objects.get(edition=edition_2023, organisation__slug="politie-tmm")
    __, counts = _page(police_2024)
    assert len(counts) > 60  # a real full save of the police form, not a token one
    assert _queries_for_save(client, politie_coordinator, one, 1) + _extra_batches(len(counts)) == _queries_for_save(
        client, politie_coordinator, police_2024, len(counts)
    )


def _extra_batches(rows: int) -> int:
    """Inserts the database driver itself splits (SQLite: 999 parameters a query; PostgreSQL: none)."""
    extra = 0
    for model in (Value, Value.history.model):
        fields = [f for f in model._meta.concrete_fields if not f.primary_key or model is not Value]
        batch = connection.ops.bulk_batch_size(fields, [None] * rows)
        extra += -(-rows // batch) - 1
    return extra


def test_it_loads_the_form_context_once_per_save(client, politie_coordinator, police_2024, form_context_loads):
    data, counts = _page(police_2024)
    data[counts[0]] = "3"
    client.force_login(politie_coordinator)
    assert client.post(reverse("submission_form", args=[police_2024.pk]), data).status_code == 302
    assert form_context_loads == [police_2024.pk]
