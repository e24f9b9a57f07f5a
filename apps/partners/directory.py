"""The staff's list of organisations: search, filters and pages, a fixed number of queries per page.

A region has hundreds of organisations (1,000 in the benchmark); one page of them at a time keeps
the list fast and readable, and a search by name, short name, slug or CBS code finds the one meant.
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from apps.partners.models import Membership, Organisation, OrganisationKind, Subregion

PAGE_SIZE = 50


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Zoeken"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "class": "form-control", "placeholder": _("Naam, slug of CBS-code")}
        ),
    )
    kind = forms.ChoiceField(
        label=_("Soort"),
        required=False,
        choices=[("", _("Alle soorten")), *OrganisationKind.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    subregion = forms.ChoiceField(
        label=_("Subregio"),
        required=False,
        choices=[("", _("Alle subregio's")), *Subregion.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


def search_q(q: str, *, prefix: str = "") -> Q:
    """Name, short name, slug or CBS code containing `q` (any case); `prefix` reaches the organisation
    through a relation ("organisation__"). The staff list, the edition overview and the audit log
    search the same way."""
    return (
        Q(**{f"{prefix}name__icontains": q})
        | Q(**{f"{prefix}short_name__icontains": q})
        | Q(**{f"{prefix}slug__icontains": q})
        | Q(**{f"{prefix}cbs_code__icontains": q})
    )


def organisation_page(*, q: str = "", kind: str = "", subregion: str = "", page: str | int | None = 1) -> Page:
    """One page of organisations (kind, then name) matching the filters, each with `member_count`.

    Three queries whatever the number of organisations: the count, the page, and the page's members.
    """
    organisations = Organisation.objects.order_by("kind", "name", "pk")
    if q := q.strip():
        organisations = organisations.filter(search_q(q))
    if kind:
        organisations = organisations.filter(kind=kind)
    if subregion:
        organisations = organisations.filter(subregion=subregion)
    result = Paginator(organisations, PAGE_SIZE).get_page(page)
    rows = list(result.object_list)
    # Counted for this page only: an annotation would group every organisation before the limit.
    counts = dict(
        Membership.objects.filter(organisation__in=[o.pk for o in rows])
        .values_list("organisation")
        .annotate(n=Count("pk"))
        .values_list("organisation", "n")
    )
    # Labels looked up once per page: get_FIELD_display hashes every lazy choice label on each call.
    kinds, subregions = dict(OrganisationKind.choices), dict(Subregion.choices)
    for organisation in rows:
        organisation.member_count = counts.get(organisation.pk, 0)
        organisation.kind_label = str(kinds.get(organisation.kind, organisation.kind))
        organisation.subregion_label = str(subregions.get(organisation.subregion, organisation.subregion))
    result.object_list = rows
    return result
