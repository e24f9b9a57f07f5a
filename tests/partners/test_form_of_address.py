"""One form of address: "u", never "je", in the project's own texts and on the pages of logging in."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

JE = re.compile(r"\b(je|jij|jouw)\b", re.IGNORECASE)


def test_it_never_says_je_in_templates_or_python_strings():
    base = Path(settings.BASE_DIR)
    offenders = [
        str(path.relative_to(base))
        for folder in ("templates", "apps")
        for path in (base / folder).rglob("*")
        if path.suffix in {".html", ".txt", ".py"} and "migrations" not in path.parts and JE.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_it_says_u_when_logging_in_and_out(client, alice):
    from tests.conftest import PASSWORD

    response = client.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD}, follow=True)
    html = response.content.decode()
    assert "U bent ingelogd als" in html and not JE.search(re.sub(r"<[^>]+>", " ", html))
    response = client.post(reverse("account_logout"), follow=True)
    assert "U bent uitgelogd." in response.content.decode()
