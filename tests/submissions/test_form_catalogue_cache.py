"""The form catalogue kept per process (issue 17): a catalogue change shows at once, figures never travel."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.submissions import selectors
from apps.submissions.models import Category, Indicator, Submission, Value
from apps.submissions.selectors import form_catalogue, load_form_context


def _count_indicator(submission) -> Indicator:
    return next(
        g.indicator for g in load_form_context(submission).grids.values() if g.indicator.kind == Indicator.Kind.COUNT
    )


def test_it_shows_a_changed_indicator_label_on_the_next_page(client, alice, submission_a):
    client.force_login(alice)
    url = reverse("submission_form", args=[submission_a.pk])
    client.get(url)  # the catalogue is now kept
    indicator = Indicator.objects.get(pk=_count_indicator(submission_a).pk)
    indicator.label = "Een geheel nieuwe naam voor dit cijfer"
    indicator.save()
    assert "Een geheel nieuwe naam voor dit cijfer" in client.get(url).content.decode()


def test_it_shows_a_changed_category_label_on_the_next_page(client, alice, submission_a):
    client.force_login(alice)
    url = reverse("submission_form", args=[submission_a.pk])
    client.get(url)
    grid = next(g for g in load_form_context(submission_a).grids.values() if g.indicator.row_dimension_id)
    category = Category.objects.get(dimension_id=grid.indicator.row_dimension_id, code=grid.rows[0].code)
    category.label = "Een nieuwe categorie"
    category.save()
    assert "Een nieuwe categorie" in client.get(url).content.decode()


def test_it_builds_a_form_catalogue_once_for_every_submission_of_that_form(submission_a, org_b):
    other = Submission.objects.get(edition=submission_a.edition, organisation=org_b, form=submission_a.form)
    first = form_catalogue(Submission.objects.select_related("edition").get(pk=submission_a.pk))
    with CaptureQueriesContext(connection) as queries:
        second = form_catalogue(Submission.objects.select_related("edition").get(pk=other.pk))
    assert second is first
    assert len(queries) == 1  # the submission itself


def test_it_never_shows_one_organisations_figures_in_anothers_form(client, alice, charlie, submission_a, org_b):
    other = Submission.objects.get(edition=submission_a.edition, organisation=org_b, form=submission_a.form)
    indicator = _count_indicator(submission_a)
    grid = load_form_context(submission_a).grids[indicator.code]
    row, col = grid.keys()[0]
    Value.objects.create(submission=submission_a, indicator=indicator, row=row, col=col, number=987654, comment="alleen A")
    client.force_login(alice)
    assert "987654" in client.get(reverse("submission_form", args=[submission_a.pk])).content.decode()
    client.force_login(charlie)
    body = client.get(reverse("submission_form", args=[other.pk])).content.decode()
    assert "987654" not in body
    assert "alleen A" not in body


def test_it_keeps_one_requests_changes_to_its_context_out_of_the_next(submission_a):
    context = load_form_context(submission_a)
    code = next(iter(context.grids))
    context.grids.pop(code)
    context.sections[0][1].clear()
    context.rules.clear()
    again = load_form_context(submission_a)
    assert code in again.grids
    assert again.sections[0][1]
    assert again.rules == list(form_catalogue(submission_a).rules)


def test_it_forgets_the_kept_catalogues_on_request(submission_a):
    first = form_catalogue(submission_a)
    selectors.forget_form_catalogues()
    assert form_catalogue(submission_a) is not first


def test_it_still_loads_a_value_whose_indicator_is_not_on_the_submissions_form(submission_a):
    stray = Indicator.objects.filter(edition=submission_a.edition).exclude(section__form=submission_a.form).first()
    Value.objects.create(submission=submission_a, indicator=stray, row="", col="", number=5)
    assert load_form_context(submission_a).values[(stray.code, "", "")].number == 5


# -- the form's fields, built once per catalogue and copied per form ------------------------------


def test_it_keeps_the_inputs_editable_after_a_reader_saw_the_same_form(client, vic, alice, submission_a):
    url = reverse("submission_form", args=[submission_a.pk])
    client.force_login(vic)
    assert " disabled " in client.get(url).content.decode()
    client.force_login(alice)
    body = client.get(url).content.decode()
    assert " disabled " not in body
    assert 'name="version"' in body


def test_it_labels_the_comment_fields_in_each_requests_language(client, alice, submission_a):
    client.force_login(alice)
    url = reverse("submission_form", args=[submission_a.pk])
    assert "Opmerking bij " in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert "Comment on " in english and "Opmerking bij " not in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    assert "Opmerking bij " in client.get(url).content.decode()
