"""QuickSelect writes the same select as Django's own widget, only faster."""

from __future__ import annotations

import lxml.html
from django import forms

from apps.partners.models import Organisation
from apps.partners.widgets import QuickSelect


def _parsed(html: str) -> tuple[dict, list[tuple[str | None, str, str, bool]]]:
    select = lxml.html.fragment_fromstring(html)
    options = [
        (option.getparent().get("label") if option.getparent().tag == "optgroup" else None,
         option.get("value"), option.text_content(), option.get("selected") is not None)
        for option in select.iter("option")
    ]
    return dict(select.attrib), options


def _both(field: forms.Field, value) -> tuple:
    class Form(forms.Form):
        choice = field

    quick = Form({"choice": value} if value is not None else None)
    quick.fields["choice"].widget = QuickSelect(choices=quick.fields["choice"].choices)
    plain = Form({"choice": value} if value is not None else None)
    attrs = {"class": "form-select is-invalid", "aria-describedby": "x"}
    return _parsed(quick["choice"].as_widget(attrs=attrs)), _parsed(plain["choice"].as_widget(attrs=attrs))


def test_it_writes_the_organisation_choices_as_django_does(db):
    organisation = Organisation.objects.order_by("name")[3]
    field = forms.ModelChoiceField(queryset=Organisation.objects.order_by("name"), empty_label="Kies", to_field_name="slug")
    quick, plain = _both(field, organisation.slug)
    assert quick == plain
    assert [o for o in quick[1] if o[3]] == [(None, organisation.slug, str(organisation), True)]


def test_it_writes_optgroups_and_escapes_labels_as_django_does():
    field = forms.ChoiceField(choices=[("", "—"), ("Partners", [("a", "A & <b>")]), ("Staf", [("c", "C")])])
    quick, plain = _both(field, "c")
    assert quick == plain
    assert ("Partners", "a", "A & <b>", False) in quick[1]
