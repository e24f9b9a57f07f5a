"""A save after the session ended keeps the input for its owner only, with a Dutch explanation (issue 11)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.submissions import drafts, services
from apps.submissions.models import DraftStash, Value

CTRL = "gem_bestuurlijke_controles"
FIELD = f"v-{CTRL}-bouwplaatsen-"
OTHER = f"v-{CTRL}-misstanden-"


def _post_after_logout(client, submission, user, **fields):
    token = drafts.owner_token(user_id=user.pk, submission_id=submission.pk)
    return client.post(
        reverse("submission_form", args=[submission.pk]),
        {"version": submission.version, drafts.OWNER_FIELD: token, **fields},
    )


def test_it_keeps_the_input_of_a_post_that_arrives_after_logout_and_explains_in_dutch(client, alice, submission_a):
    response = _post_after_logout(client, submission_a, alice, **{FIELD: "12"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Uw sessie was verlopen" in html and "Uw invoer is bewaard" in html
    assert f"?next=/aanleveringen/{submission_a.pk}/" in html
    assert DraftStash.objects.get().user == alice
    assert not Value.objects.exists()


def test_it_offers_the_kept_input_back_to_its_owner_after_login(client, alice, submission_a):
    _post_after_logout(client, submission_a, alice, **{FIELD: "12"})
    client.force_login(alice)
    response = client.get(reverse("submission_form", args=[submission_a.pk]))
    assert response.context["form"][FIELD].value() == "12"
    assert 'data-testid="stash-restored"' in response.content.decode()
    assert not Value.objects.exists()  # offered back, not saved behind the user's back


def test_it_never_shows_the_kept_input_to_a_colleague(client, alice, bob, submission_a):
    _post_after_logout(client, submission_a, alice, **{FIELD: "12"})
    client.force_login(bob)
    response = client.get(reverse("submission_form", args=[submission_a.pk]))
    assert response.context["form"][FIELD].value() in ("", None)
    assert 'data-testid="stash-restored"' not in response.content.decode()


def test_it_keeps_nothing_without_a_genuine_owner_token(client, alice, submission_a):
    response = client.post(
        reverse("submission_form", args=[submission_a.pk]),
        {"version": 1, drafts.OWNER_FIELD: drafts.owner_token(user_id=alice.pk, submission_id=submission_a.pk) + "x", FIELD: "3"},
    )
    assert response.status_code == 200 and "kon niet worden bewaard" in response.content.decode()
    assert not DraftStash.objects.exists()


def test_it_keeps_nothing_for_a_token_of_another_submission(client, alice, submission_a, edition_2023, org_a):
    other = edition_2023.submissions.get(organisation=org_a)
    client.post(
        reverse("submission_form", args=[submission_a.pk]),
        {"version": 1, drafts.OWNER_FIELD: drafts.owner_token(user_id=alice.pk, submission_id=other.pk), FIELD: "3"},
    )
    assert not DraftStash.objects.exists()


def test_it_answers_a_stale_csrf_token_with_a_dutch_page_and_keeps_the_input(alice, submission_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = _post_after_logout(client, submission_a, alice, **{FIELD: "12"})  # no (valid) CSRF token
    assert response.status_code == 403
    html = response.content.decode()
    assert "Uw invoer is bewaard" in html and "CSRF verification failed" not in html
    assert 'data-testid="back-to-form"' in html
    assert DraftStash.objects.get().data[FIELD] == ["12"]


def test_it_answers_any_other_refused_form_with_the_dutch_csrf_page(alice, submission_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse("submission_upload", args=[submission_a.pk]))
    assert response.status_code == 403
    assert "Dit formulier is verlopen" in response.content.decode()


def test_it_removes_the_kept_input_once_the_owner_saves(client, alice, submission_a):
    _post_after_logout(client, submission_a, alice, **{FIELD: "12"})
    client.force_login(alice)
    response = client.post(reverse("submission_form", args=[submission_a.pk]), {"version": 1, FIELD: "12"})
    assert response.status_code == 302
    assert Value.objects.get().number == 12 and not DraftStash.objects.exists()


def test_it_removes_the_kept_input_when_the_owner_discards_it(client, alice, submission_a):
    _post_after_logout(client, submission_a, alice, **{FIELD: "12"})
    client.force_login(alice)
    client.post(reverse("submission_form", args=[submission_a.pk]), {"discard_stash": "1"})
    assert not DraftStash.objects.exists() and not Value.objects.exists()


def test_it_merges_kept_input_with_what_a_colleague_saved_since(client, alice, bob, submission_a):
    _post_after_logout(client, submission_a, alice, **{FIELD: "12", OTHER: ""})
    services.save_values(
        submission_id=submission_a.pk, user=bob, cells={(CTRL, "misstanden", ""): services.CellInput(number=4)},
        explanations={}, base_version=1,
    )
    client.force_login(alice)
    form = client.get(reverse("submission_form", args=[submission_a.pk])).context["form"]
    assert form[OTHER].value() == "4" and form[FIELD].value() == "12"


def test_it_sends_an_anonymous_visitor_of_the_form_to_the_login_page(client, submission_a):
    response = client.get(reverse("submission_form", args=[submission_a.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("user_fixture", ["charlie", "vic"])
def test_it_keeps_no_input_for_someone_who_may_not_edit(client, request, submission_a, user_fixture):
    user = request.getfixturevalue(user_fixture)
    _post_after_logout(client, submission_a, user, **{FIELD: "12"})
    assert not DraftStash.objects.exists()
    client.force_login(user)
    response = client.get(reverse("submission_form", args=[submission_a.pk]))
    assert response.status_code in {200, 404}
    assert 'data-testid="stash-restored"' not in response.content.decode()
