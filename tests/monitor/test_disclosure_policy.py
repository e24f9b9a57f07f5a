"""VAR staff set an edition's disclosure policy: the rules, the audit, the page (others get 404)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.monitor import disclosure, services_policy
from apps.partners.models import AuditEvent
from apps.submissions.models import Edition

from .conftest import fill, make_edition, submission

POLICY = {"threshold": None, "small_symbol": "", "secondary_symbol": "x", "internal_audience": "var_staff"}


def _set(user, edition, **changes):
    return services_policy.set_disclosure_policy(user=user, edition_id=edition.pk, **(POLICY | changes))


@pytest.fixture
def edition(db) -> Edition:
    return make_edition(2031)


def _url(edition: Edition) -> str:
    return reverse("edition_disclosure", kwargs={"year": edition.year})


# -- the service -------------------------------------------------------------------------------------


def test_it_sets_a_stricter_threshold_and_audits_old_and_new(vera, edition):
    assert _set(vera, edition, threshold=10, small_symbol="<10") is True
    edition.refresh_from_db()
    assert disclosure.policy_for(edition).threshold == 10
    event = AuditEvent.objects.get(action=AuditEvent.Action.EDITION_DISCLOSURE_CHANGED)
    assert event.actor == vera
    assert event.data["old"]["threshold"] is None and event.data["new"]["threshold"] == 10
    assert "drempel 10" in event.summary


def test_it_accepts_the_standard_threshold_itself(vera, edition, settings):
    settings.SUPPRESSION_THRESHOLD = 5
    assert _set(vera, edition, threshold=5) is True


def test_it_refuses_a_threshold_below_the_standard(vera, edition, settings):
    settings.SUPPRESSION_THRESHOLD = 5
    with pytest.raises(ValidationError) as error:
        _set(vera, edition, threshold=4)
    assert "strenger" in error.value.message_dict["threshold"][0]
    edition.refresh_from_db()
    assert edition.disclosure_threshold is None
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EDITION_DISCLOSURE_CHANGED).exists()


def test_it_refuses_a_symbol_a_reader_would_take_for_a_figure(vera, edition):
    with pytest.raises(ValidationError) as error:
        _set(vera, edition, small_symbol="3", secondary_symbol="0,5")
    assert set(error.value.message_dict) == {"small_symbol", "secondary_symbol"}


def test_it_refuses_partners(alice, edition):
    from django.http import Http404

    with pytest.raises(Http404):
        _set(alice, edition, threshold=10)


def test_it_keeps_a_published_edition_as_the_public_saw_it(vera, edition):
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.PUBLISHED)
    with pytest.raises(services_policy.PolicyFrozen):
        _set(vera, edition, threshold=10)
    edition.refresh_from_db()
    assert edition.disclosure_threshold is None


def test_it_writes_nothing_when_nothing_changes(vera, edition):
    assert _set(vera, edition) is False
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EDITION_DISCLOSURE_CHANGED).exists()


def _aangiftes(edition: Edition):
    protected = disclosure.protected_report(edition=edition, audience=disclosure.PUBLIC)
    table = protected.report.chapter("politie").table("pol_aangiftes")
    return {row.key: row.cells[0] for row in table.rows}


def test_it_hides_counts_below_the_new_threshold_in_what_the_public_gets(vera, edition):
    police = submission(edition, "politie-tmm", "politie")
    fill(police, {
        ("pol_aangiftes", "seksueel", "minderjarig"): 10, ("pol_aangiftes", "seksueel", "meerderjarig"): 7,
        ("pol_aangiftes", "arbeid", "minderjarig"): 12, ("pol_aangiftes", "arbeid", "meerderjarig"): 20,
        ("pol_aangiftes", "seksueel", "_total"): 17, ("pol_aangiftes", "arbeid", "_total"): 32,
        ("pol_aangiftes", "_total", "minderjarig"): 22, ("pol_aangiftes", "_total", "meerderjarig"): 27,
        ("pol_aangiftes", "_total", "_total"): 49,
    })  # fmt: skip
    seven = ("seksueel", "meerderjarig")
    assert _aangiftes(edition)[seven].number == 7  # the standard 5: a 7 is shown
    _set(vera, edition, threshold=10)
    edition.refresh_from_db()
    cell = _aangiftes(edition)[seven]
    assert getattr(cell, "number", None) is None and cell.symbol == "<10"


# -- the page ----------------------------------------------------------------------------------------


def test_it_shows_staff_the_form_with_the_current_policy(client, vera, edition):
    client.force_login(vera)
    response = client.get(_url(edition))
    assert response.status_code == 200
    assert "Afscherming opslaan" in response.content.decode()


def test_it_gives_partners_404(client, alice, edition):
    client.force_login(alice)
    assert client.get(_url(edition)).status_code == 404
    assert client.post(_url(edition), POLICY | {"threshold": 10}).status_code == 404


def test_it_sends_anonymous_visitors_to_the_login(client, edition):
    assert client.get(_url(edition)).status_code == 302


def test_it_saves_and_goes_back_to_the_monitor(client, vera, edition):
    client.force_login(vera)
    response = client.post(_url(edition), POLICY | {"threshold": "8", "small_symbol": "<8"})
    assert response.status_code == 302 and response["Location"] == reverse("monitor_edition", args=[edition.year])
    edition.refresh_from_db()
    assert edition.disclosure_threshold == 8


def test_it_shows_the_rule_beside_the_field_and_keeps_the_input(client, vera, edition, settings):
    settings.SUPPRESSION_THRESHOLD = 5
    client.force_login(vera)
    response = client.post(_url(edition), POLICY | {"threshold": "3", "small_symbol": "*", "secondary_symbol": "x"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "strenger" in form.errors["threshold"][0]
    page = response.content.decode()
    assert 'value="3"' in page and 'value="*"' in page


def test_it_tells_staff_a_published_edition_is_frozen(client, vera, edition):
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.PUBLISHED)
    client.force_login(vera)
    page = client.get(_url(edition)).content.decode()
    assert "gepubliceerd" in page and "Afscherming opslaan" not in page
    response = client.post(_url(edition), POLICY | {"threshold": "10"})
    assert response.status_code == 200 and "gepubliceerd" in response.content.decode()
    edition.refresh_from_db()
    assert edition.disclosure_threshold is None


def test_it_links_the_policy_from_the_monitor_for_staff_only(client, vera, alice, edition):
    client.force_login(vera)
    assert _url(edition) in client.get(reverse("monitor_edition", args=[edition.year])).content.decode()
    assert _url(edition) in client.get(reverse("edition_list")).content.decode()
