"""The close confirmation names the first open submissions, not all of them."""

from __future__ import annotations

import lxml.html
from django.urls import reverse

from apps.submissions import editions
from apps.submissions.models import Submission


def test_it_names_the_first_open_submissions_and_counts_the_rest(client, vera, edition_2024, monkeypatch):
    monkeypatch.setattr(editions, "MISSING_SHOWN", 3)
    client.force_login(vera)
    page = lxml.html.fromstring(client.get(reverse("edition_close", args=[2024])).content)
    open_count = Submission.objects.filter(edition=edition_2024).exclude(
        status__in=["approved", "nothing_to_report", "not_applicable"]
    ).count()
    assert open_count > 3
    items = page.xpath('//*[@data-testid="missing-list"]/li')
    assert len(items) == 4  # three named, one line for the rest
    assert f"en nog {open_count - 3}" in items[-1].text_content()
    assert items[-1].xpath(".//a/@href") == [reverse("edition_overview", args=[2024]) + "?sort=status"]
    assert page.xpath('//*[@data-testid="check-missing"]')[0].text_content().strip() == str(open_count)


def test_it_names_every_open_submission_when_there_are_few(client, vera, edition_2024, monkeypatch):
    monkeypatch.setattr(editions, "MISSING_SHOWN", 1000)
    client.force_login(vera)
    page = lxml.html.fromstring(client.get(reverse("edition_close", args=[2024])).content)
    assert "en nog" not in page.xpath('//*[@data-testid="missing-list"]')[0].text_content()
