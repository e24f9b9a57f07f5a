"""The staff audit log page: filters, paging by id, object links, the audited CSV download."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.partners import audit, audit_log
from apps.partners.audit_log import PAGE_SIZE
from apps.partners.models import AuditEvent


@pytest.fixture
def staff(client, vera):
    client.force_login(vera)
    return client


def _events(response):
    return list(response.context["events"])


def test_it_gives_404_to_partners(client, alice, charlie):
    for user in (alice, charlie):
        client.force_login(user)
        assert client.get(reverse("audit_log")).status_code == 404
        assert client.get(reverse("audit_log"), {"formaat": "csv"}).status_code == 404


def test_it_filters_by_exact_type_and_by_group(staff, alice, org_a):
    audit.record(action=AuditEvent.Action.LOGIN, actor=alice)
    audit.record(action=AuditEvent.Action.MFA_DEACTIVATED, actor=alice)
    audit.record(action=AuditEvent.Action.INVITED, actor=alice, organisation=org_a)

    assert {e.action for e in _events(staff.get(reverse("audit_log"), {"action": "account.mfa_removed"}))} == {
        "account.mfa_removed"
    }
    assert {e.action for e in _events(staff.get(reverse("audit_log"), {"action": "account.*"}))} == {
        "account.login",
        "account.mfa_removed",
    }


def test_it_filters_by_organisation_and_person(staff, alice, charlie, org_a, org_b):
    audit.record(action=AuditEvent.Action.INVITED, actor=alice, organisation=org_a)
    audit.record(action=AuditEvent.Action.INVITED, actor=charlie, organisation=org_b)
    audit.record(action=AuditEvent.Action.LOGIN_FAILED, actor_email="onbekend@example.invalid")

    by_org = _events(staff.get(reverse("audit_log"), {"organisation": org_b.slug}))
    assert [e.actor for e in by_org] == [charlie]
    by_person = _events(staff.get(reverse("audit_log"), {"q": alice.email.upper()}))
    assert [e.actor for e in by_person] == [alice]
    unknown = _events(staff.get(reverse("audit_log"), {"q": "onbekend@example.invalid"}))
    assert [e.action for e in unknown] == ["account.login_failed"]


def test_it_filters_by_period_including_the_last_day(staff, alice):
    inside = audit.record(action=AuditEvent.Action.LOGIN, actor=alice)
    outside = audit.record(action=AuditEvent.Action.LOGOUT, actor=alice)
    day = datetime.date(2026, 3, 1)
    late = timezone.make_aware(datetime.datetime(2026, 3, 1, 23, 59))
    AuditEvent.objects.filter(pk=inside.pk).update(at=late)
    AuditEvent.objects.filter(pk=outside.pk).update(at=late + datetime.timedelta(minutes=2))

    events = _events(staff.get(reverse("audit_log"), {"date_from": day, "date_to": day}))

    assert [e.pk for e in events] == [inside.pk]


def test_it_explains_a_period_that_ends_before_it_starts(staff):
    response = staff.get(reverse("audit_log"), {"date_from": "2026-03-02", "date_to": "2026-03-01"})
    assert "De einddatum ligt vóór de begindatum." in response.content.decode()
    assert 'value="2026-03-02"' in response.content.decode()


def test_it_pages_by_id_newest_first(staff, alice):
    AuditEvent.objects.bulk_create(AuditEvent(action=AuditEvent.Action.LOGIN, actor=alice) for _ in range(PAGE_SIZE + 5))

    first = staff.get(reverse("audit_log"), {"action": "account.login"})
    page_one = _events(first)
    assert len(page_one) == PAGE_SIZE
    older = first.context["older_than"]
    assert older == page_one[-1].pk
    second = _events(staff.get(reverse("audit_log"), {"action": "account.login", "before": older}))

    # The 5 left over plus vera's own login (force_login records one too), and no overlap.
    assert len(second) == 6
    assert max(e.pk for e in second) < older
    assert second[-1].actor.email == "vera@var.invalid"


def test_it_reads_one_page_without_counting_the_table(staff, alice, django_assert_max_num_queries):
    AuditEvent.objects.bulk_create(AuditEvent(action=AuditEvent.Action.LOGIN, actor=alice) for _ in range(120))
    with django_assert_max_num_queries(12):
        response = staff.get(reverse("audit_log"), {"action": "account.login"})
    assert len(_events(response)) == PAGE_SIZE


def test_it_links_an_entry_to_its_object(staff, alice, org_a):
    audit.record(action=AuditEvent.Action.ORGANISATION_RENAMED, actor=alice, organisation=org_a, obj=org_a, summary="A → B")

    response = staff.get(reverse("audit_log"), {"action": "organisation.renamed"})

    assert f'href="{reverse("staff_organisation", args=[org_a.slug])}"' in response.content.decode()


def test_it_links_an_edition_entry_to_its_overview(staff, vera):
    from apps.submissions.models import Edition

    edition = Edition.objects.create(year=2031)
    audit.record(action=AuditEvent.Action.EDITION_CHANGED, actor=vera, obj=edition, summary="Editie 2031 gewijzigd")

    response = staff.get(reverse("audit_log"), {"action": "edition.*"})

    assert f'href="{reverse("edition_overview", args=[2031])}"' in response.content.decode()


def test_it_downloads_the_filtered_log_as_csv_and_audits_the_download(staff, vera, alice, org_a):
    audit.record(action=AuditEvent.Action.INVITED, actor=alice, organisation=org_a, summary="=HYPERLINK(\"http://x\")")
    audit.record(action=AuditEvent.Action.LOGIN, actor=alice)

    response = staff.get(reverse("audit_log"), {"action": "membership.invited", "formaat": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:2] == ["tijdstip", "soort"]
    assert [r[1] for r in rows[1:]] == ["membership.invited"]
    assert rows[1][5] == "'=HYPERLINK(\"http://x\")"  # never a formula in Excel
    download = AuditEvent.objects.get(action=AuditEvent.Action.AUDIT_EXPORTED)
    assert download.actor == vera and download.data == {"action": "membership.invited"}


def test_it_reads_as_many_queries_for_a_short_log_as_for_a_long_one_and_never_counts_it(staff, alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(reverse("audit_log")).status_code == 200
        return [q["sql"] for q in captured]

    AuditEvent.objects.bulk_create(AuditEvent(action=AuditEvent.Action.LOGIN, actor=alice) for _ in range(10))
    short = queries()
    AuditEvent.objects.bulk_create(AuditEvent(action=AuditEvent.Action.LOGIN, actor=alice) for _ in range(300))
    long = queries()
    assert len(short) == len(long)
    assert not [sql for sql in long if "COUNT(" in sql.upper() and "partners_auditevent" in sql]


def test_it_shows_the_moment_of_an_entry_in_the_dutch_format(staff, alice):
    from django.utils import dateformat

    event = AuditEvent.objects.create(action=AuditEvent.Action.LOGIN, actor=alice)
    html = staff.get(reverse("audit_log")).content.decode()
    moment = timezone.localtime(event.at)
    assert dateformat.format(moment, "j N Y H:i") in html  # "1 dec. 2026 14:30", the project's DATETIME_FORMAT
    assert f"{moment:%Y-%m-%d}" not in html


# -- issue 17: the organisation as a search, not a list of every organisation -----------------------


def test_it_finds_the_organisation_by_part_of_its_name(staff, alice, charlie, org_a, org_b):
    audit.record(action=AuditEvent.Action.INVITED, actor=alice, organisation=org_a)
    audit.record(action=AuditEvent.Action.INVITED, actor=charlie, organisation=org_b)

    events = _events(staff.get(reverse("audit_log"), {"organisation": "dordr"}))

    assert [e.organisation for e in events] == [org_b]


def test_it_offers_the_organisations_a_search_fits_keeping_the_other_filters(staff, org_a, org_b):
    response = staff.get(reverse("audit_log"), {"organisation": "gemeente", "action": "membership.invited"})

    html = response.content.decode()
    assert "past bij meer organisaties" in html
    matches = html.split('data-testid="organisation-matches"', 1)[1].split("</ul>", 1)[0]
    assert f'href="?action=membership.invited&amp;organisation={org_b.slug}"' in matches
    assert len(response.context["form"].organisation_matches) == audit_log.MATCHES_SHOWN


def test_it_says_when_no_organisation_fits_the_search(staff):
    html = staff.get(reverse("audit_log"), {"organisation": "bestaat-niet"}).content.decode()

    assert "Geen organisatie gevonden met „bestaat-niet”." in html
    assert 'class="form-control form-control-sm is-invalid"' in html


def test_it_takes_a_whole_name_that_is_also_part_of_another(staff, alice, org_a):
    from apps.partners.models import Organisation, OrganisationKind

    Organisation.objects.create(name=f"{org_a.name} Zuid", slug="rotterdam-zuid", kind=OrganisationKind.GEMEENTE)
    audit.record(action=AuditEvent.Action.INVITED, actor=alice, organisation=org_a)

    events = _events(staff.get(reverse("audit_log"), {"organisation": org_a.name.upper()}))

    assert [e.organisation for e in events] == [org_a]


def test_it_lists_no_organisations_on_the_page(staff):
    from apps.partners.models import Organisation

    html = staff.get(reverse("audit_log")).content.decode()

    assert Organisation.objects.count() > 20
    assert not [slug for slug in Organisation.objects.values_list("slug", flat=True) if f'value="{slug}"' in html]


def test_it_names_each_entry_type_in_dutch(staff, alice):
    audit.record(action=AuditEvent.Action.MFA_DEACTIVATED, actor=alice)

    html = staff.get(reverse("audit_log"), {"action": "account.mfa_removed"}).content.decode()

    assert f'<span class="small">{AuditEvent.Action.MFA_DEACTIVATED.label}</span>' in html
