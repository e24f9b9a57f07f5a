"""No sideways scrolling on a phone (390 px) and no wrapped header on a laptop (1366 px).

Measures document.documentElement.scrollWidth on the pages each demo role uses most, and keeps
screenshots in SCREENSHOT_DIR (default /tmp/mhm-screenshots) to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from apps.submissions.models import Submission
from tests.browser.conftest import login

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/mhm-screenshots"))


def _pages(email: str) -> list[tuple[str, str]]:
    if email == "var@demo.invalid" or email == "admin@demo.invalid":
        police = Submission.objects.get(edition__year=2024, organisation__slug="politie-tmm")
        return [
            ("start", "/beheer/start/"),
            ("overview", "/beheer/edities/2024/"),
            ("review", f"/beheer/aanleveringen/{police.pk}/"),
            ("organisations", "/beheer/"),
            ("invitations", "/beheer/uitnodigingen/"),
        ]
    slug = {"politie@demo.invalid": "politie-tmm", "essm@demo.invalid": "humanitas-essm", "rotterdam@demo.invalid": "gemeente-rotterdam"}[email]
    submission = Submission.objects.filter(edition__year=2024, organisation__slug=slug).first()
    return [
        ("start", f"/organisaties/{slug}/"),
        ("form", f"/aanleveringen/{submission.pk}/"),
        ("submit", f"/aanleveringen/{submission.pk}/indienen/"),
    ]


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("email", ["var@demo.invalid", "admin@demo.invalid", "politie@demo.invalid", "essm@demo.invalid", "rotterdam@demo.invalid"])
def test_it_fits_every_main_page_in_a_phone_and_the_header_in_one_line(page, demo, settings, email):
    settings.DEBUG = True  # as with `make run`: the demo staff accounts are exempt from two-factor
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, email)
    who = email.split("@")[0]
    too_wide = {}
    wrapped = {}
    for name, url in _pages(email):
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(url)
        # One line: the navigation bar is no taller than at its lightest (brand + one row of links).
        height = page.evaluate("document.querySelector('header nav').getBoundingClientRect().height")
        if height > 70:
            wrapped[name] = height
        page.screenshot(path=str(SHOTS / f"{who}-{name}-1366.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(url)
        page.screenshot(path=str(SHOTS / f"{who}-{name}-390.png"), full_page=True)
        if (width := _width(page)) > 390:
            too_wide[name] = width
    assert not too_wide, f"{email}: wider than the phone: {too_wide}"
    assert not wrapped, f"{email}: header wraps at 1366 px: {wrapped}"
