import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from apps.submissions import services
from apps.submissions.catalogue import DEFAULT_PATH, load_catalogue
from apps.submissions.models import TOTAL, Submission, Value

CTRL = "gem_bestuurlijke_controles"


def _url(submission):
    return reverse("submission_form", args=[submission.pk])


def _field(code, row, col=""):
    return f"v-{code}-{row}-{col}"


def _post(client, submission, data, version=None):
    payload = {"version": submission.version if version is None else version}
    payload.update(data)
    return client.post(_url(submission), payload)


def test_it_shows_the_form_to_the_organisation(client, alice, submission_a):
    client.force_login(alice)
    response = client.get(_url(submission_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Resultaten bestuurlijke controles" in html
    assert 'aria-label="Controles op bouwplaatsen, Aantal"' in html
    assert "Opslaan als concept" in html


def test_it_gives_404_to_an_outsider(client, charlie, submission_a):
    client.force_login(charlie)
    assert client.get(_url(submission_a)).status_code == 404
    assert _post(client, submission_a, {_field(CTRL, "bouwplaatsen"): "3"}).status_code == 404
    assert not Value.objects.filter(submission=submission_a).exists()


def test_it_redirects_anonymous_users_to_login(client, submission_a):
    response = client.get(_url(submission_a))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_lets_a_contributor_save_a_draft(client, bob, submission_a):
    client.force_login(bob)
    response = _post(client, submission_a, {_field(CTRL, "bouwplaatsen"): "29", _field(CTRL, "misstanden"): "0"})
    assert response.status_code == 302
    values = dict(Value.objects.filter(submission=submission_a).values_list("row", "number"))
    assert values == {"bouwplaatsen": 29, "misstanden": 0}
    page = client.get(_url(submission_a)).content.decode()
    assert 'value="29"' in page and "Opgeslagen als concept" in page


def test_it_shows_viewers_a_read_only_form_and_refuses_their_posts(client, vic, submission_a):
    client.force_login(vic)
    page = client.get(_url(submission_a)).content.decode()
    assert "Opslaan als concept" not in page and "disabled" in page
    assert _post(client, submission_a, {_field(CTRL, "bouwplaatsen"): "3"}).status_code == 403
    assert not Value.objects.filter(submission=submission_a).exists()


@pytest.mark.parametrize(
    "typed, message",
    [
        ("-3", "niet negatief"),
        ("2,5", "heel getal"),
        ("1e3", "alleen de cijfers"),
        ("veel", "alleen de cijfers"),
        ("1000001", "niet groter zijn dan 1.000.000"),
        ("٣", "alleen de cijfers"),
    ],
)
def test_it_refuses_bad_input_beside_the_field_and_keeps_the_rest(client, alice, submission_a, typed, message):
    client.force_login(alice)
    response = _post(
        client,
        submission_a,
        {_field(CTRL, "bouwplaatsen"): "29", _field(CTRL, "misstanden"): typed, "v-gem_trainingen--": "Training in mei"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    error_id = f"id_{_field(CTRL, 'misstanden')}-error"
    assert f'id="{error_id}"' in html
    assert message in html.split(f'id="{error_id}"')[1][:300]
    assert 'value="29"' in html and "Training in mei" in html
    assert f'value="{typed}"' in html
    assert not Value.objects.filter(submission=submission_a).exists()


def test_it_shows_last_years_approved_value_beside_the_input(client, alice, org_a, edition_2023, edition_2024, submission_a):
    last = Submission.objects.get(edition=edition_2023, organisation=org_a)
    services.save_values(
        submission_id=last.pk,
        user=None,
        cells={(CTRL, "bouwplaatsen", ""): services.CellInput(number=29)},
        explanations={},
        base_version=last.version,
    )
    Submission.objects.filter(pk=last.pk).update(status=Submission.Status.APPROVED, approved_at=timezone.now())
    client.force_login(alice)
    html = client.get(_url(submission_a)).content.decode()
    assert f'id="id_{_field(CTRL, "bouwplaatsen")}-prev">2023: 29<' in html


def test_it_saves_warnings_with_their_explanation(client, politie_coordinator, police_2024):
    client.force_login(politie_coordinator)
    ig = "pol_informatieve_gesprekken"
    data = {_field(ig, "seksueel", TOTAL): "19", _field(ig, "arbeid", TOTAL): "7", _field(ig, "crimineel", TOTAL): "0",
            _field(ig, "overig", TOTAL): "0", _field(ig, TOTAL, TOTAL): "27"}
    assert _post(client, police_2024, data).status_code == 302  # a warning never blocks saving
    page = client.get(_url(police_2024)).content.decode()
    key = f"sum:{ig}:{TOTAL}:{TOTAL}"
    assert f'name="x-{key}"' in page and "niet gelijk aan de som" in page
    police_2024.refresh_from_db()
    data[f"x-{key}"] = "Eén aangifte zonder vastgelegde vorm."
    assert _post(client, police_2024, data).status_code == 302
    assert police_2024.explanations.get(key=key).text == "Eén aangifte zonder vastgelegde vorm."


def test_it_refuses_a_direct_post_to_an_approved_submission(client, alice, vera, submission_a):
    Submission.objects.filter(pk=submission_a.pk).update(status=Submission.Status.APPROVED, approved_by=vera, approved_at=timezone.now())
    client.force_login(alice)
    page = client.get(_url(submission_a)).content.decode()
    assert 'data-testid="lock-reason"' in page and escape(vera.get_full_name()) in page
    response = _post(client, submission_a, {_field(CTRL, "bouwplaatsen"): "3"})
    assert response.status_code == 409
    assert "heropenen" in response.content.decode()
    assert not Value.objects.filter(submission=submission_a).exists()


def test_it_refuses_a_stale_save_and_shows_the_users_input_back(client, alice, bob, submission_a):
    opened = submission_a.version
    client.force_login(bob)
    _post(client, submission_a, {_field(CTRL, "bouwplaatsen"): "4"})
    client.force_login(alice)
    response = _post(client, submission_a, {_field(CTRL, "bouwplaatsen"): "9"}, version=opened)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="conflict"' in html and "Controles op bouwplaatsen" in html
    assert 'value="9"' in html
    assert Value.objects.get(submission=submission_a, row="bouwplaatsen").number == 4


def _count_queries(client, submission):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(_url(submission)).status_code == 200
    return len(ctx.captured_queries)


def test_it_uses_a_fixed_number_of_queries_whatever_the_number_of_indicators(client, alice, submission_a, tmp_path, django_assert_max_num_queries):
    client.force_login(alice)
    before = _count_queries(client, submission_a)
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    gemeente = next(f for f in data["forms"] if f["code"] == "gemeente")
    for n in range(25):
        gemeente["sections"][1]["indicators"].append(
            {"code": f"gem_extra_{n}", "label": f"Extra {n}", "rows": "controle", "cols": "leeftijdsgroep", "total_row": True}
        )
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    load_catalogue(edition=submission_a.edition, path=path)
    after = _count_queries(client, submission_a)
    assert after == before
    with django_assert_max_num_queries(25):
        client.get(_url(submission_a))
