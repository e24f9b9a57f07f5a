import re

import pytest
from playwright.sync_api import expect

from apps.submissions.models import Submission
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_it_lets_a_demo_coordinator_log_in_and_out(page, demo):
    login(page, "politie@demo.invalid")
    expect(page.get_by_test_id("organisation-name")).to_contain_text("Politie Eenheid Rotterdam")
    expect(page.get_by_test_id("current-user")).to_contain_text("Petra Politie")
    page.get_by_role("button", name="Uitloggen").click()
    # allauth asks to confirm on its own page only for GET; a POST logs out at once.
    expect(page).to_have_url(re.compile(r"/accounts/login/|/$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_it_lets_the_police_fill_in_the_2024_form(page, demo):
    submission = Submission.objects.get(edition__year=2024, organisation__slug="politie-tmm")
    login(page, "politie@demo.invalid")
    page.get_by_role("link", name=re.compile("Invullen")).first.click()
    expect(page).to_have_url(re.compile(rf"/aanleveringen/{submission.pk}/"))
    table = page.locator("#indicator-pol_informatieve_gesprekken")
    expect(table.locator(".previous-value").first).to_contain_text("2023: 41")

    seks_min = table.get_by_label("Seksuele uitbuiting, Minderjarig", exact=True)
    seks_meer = table.get_by_label("Seksuele uitbuiting, Meerderjarig", exact=True)
    crim_meer = table.get_by_label("Criminele uitbuiting, Meerderjarig", exact=True)
    seks_min.fill("12")
    seks_meer.fill("30")
    crim_meer.fill("-4")
    # The total is computed as you type.
    expect(table.locator('[data-total-for="id_v-pol_informatieve_gesprekken-seksueel-_total"]')).to_contain_text("som: 42")
    page.get_by_role("button", name="Opslaan als concept").click()

    error = page.locator("#id_v-pol_informatieve_gesprekken-crimineel-meerderjarig-error")
    expect(error).to_contain_text("niet negatief")
    expect(crim_meer).to_have_value("-4")
    expect(crim_meer).to_have_attribute("aria-invalid", "true")
    expect(seks_min).to_have_value("12")
    expect(seks_meer).to_have_value("30")

    crim_meer.fill("4")
    page.get_by_role("button", name="Opslaan als concept").click()
    expect(page.get_by_text("Opgeslagen als concept")).to_be_visible()

    page.reload()
    expect(seks_min).to_have_value("12")
    expect(crim_meer).to_have_value("4")
    expect(table.locator('[data-total-for="id_v-pol_informatieve_gesprekken-_total-meerderjarig"]')).to_contain_text("34")
    expect(table.get_by_label("Seksuele uitbuiting, Totaal", exact=True)).to_have_attribute("placeholder", "42")
