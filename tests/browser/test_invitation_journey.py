"""An invitation sent from a site on a random port: the link works, the pages speak Dutch, and lead on."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from apps.partners.models import Organisation
from tests.browser.conftest import login

pytestmark = pytest.mark.browser
LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+/")


def test_it_invites_someone_whose_link_points_at_this_site(page, demo, live_server, settings):
    settings.DEBUG = True  # as with `make run`: the demo staff account is exempt from two-factor
    mail.outbox.clear()
    login(page, "var@demo.invalid")
    page.goto("/beheer/uitnodigen/")
    page.get_by_label("E-mailadres").fill("nina@rotterdam.invalid")
    page.get_by_label("Naam").fill("Nina Nieuw")
    rotterdam = Organisation.objects.get(slug="gemeente-rotterdam")
    page.get_by_label("Organisatie").select_option(value=str(rotterdam.pk))
    page.get_by_label("Rol").select_option(label="Invoerder")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.get_by_text("nina@rotterdam.invalid is uitgenodigd")).to_be_visible()

    page.goto("/beheer/uitnodigingen/")
    expect(page.get_by_test_id("pending-invitations")).to_contain_text("nina@rotterdam.invalid")
    page.get_by_role("button", name="Uitloggen").click()

    (message,) = [m for m in mail.outbox if m.to == ["nina@rotterdam.invalid"]]
    link = LINK.search(message.body).group(0)
    assert link.startswith(live_server.url + "/"), (link, live_server.url)  # a random port, never 8000

    page.goto(link)
    expect(page.get_by_role("heading", name="Wachtwoord instellen")).to_be_visible()
    page.locator("#id_password1").fill("kort")
    page.locator("#id_password2").fill("kort")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    expect(page.get_by_text("Dit wachtwoord is te kort")).to_be_visible()
    page.screenshot(path="/tmp/i16shots/set_password_error_1280.png", full_page=True)
    page.locator("#id_password1").fill("Lange-zin-met-7-woorden!")
    page.locator("#id_password2").fill("Lange-zin-met-7-woorden!")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    expect(page.get_by_test_id("password-set")).to_be_visible()
    page.get_by_role("link", name="Inloggen").click()
    login(page, "nina@rotterdam.invalid", "Lange-zin-met-7-woorden!")
    expect(page.get_by_test_id("organisation-name")).to_have_text("Gemeente Rotterdam")
