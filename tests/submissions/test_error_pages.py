"""Dutch error pages in the site's layout; the 500 page renders without a request context."""

from __future__ import annotations

from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error


def test_it_answers_an_unknown_address_with_the_dutch_404_page(client, alice):
    client.force_login(alice)
    response = client.get("/bestaat-niet/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Deze pagina bestaat niet" in html and 'data-testid="current-user"' in html  # the site's layout
    assert f'href="{reverse("home")}"' in html


def test_it_answers_a_step_outside_the_role_with_the_dutch_403_page(client, bob, submission_a):
    client.force_login(bob)
    response = client.get(reverse("submission_submit", args=[submission_a.pk]))
    assert response.status_code == 403
    assert "Dit mag u niet doen met uw rol" in response.content.decode()


def test_it_renders_the_500_page_without_a_request_context(db):
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Er ging iets mis aan onze kant" in html and "bootstrap.min.css" in html
