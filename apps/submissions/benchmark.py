"""A synthetic data set for `make bench`: many organisations, many editions, the full catalogue.

Written with bulk inserts. The closed editions carry no history (they measure reading and exporting);
the current edition's history of saves is written by apps.submissions.bench.data in the shapes of the
real save service.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from apps.partners.models import Organisation, OrganisationKind, Subregion
from apps.submissions.catalogue import load_catalogue
from apps.submissions.grid import build_grid
from apps.submissions.models import (
    Category,
    Edition,
    Form,
    Indicator,
    Submission,
    Value,
)

PREFIX = "bench-"
SUBREGIONS = [Subregion.ROTTERDAM, Subregion.RIJNMOND, Subregion.ZHZ]
# Which form a synthetic organisation fills in, by position: mostly municipalities, as in the region.
FORM_CYCLE = ["gemeente"] * 20 + ["politie", "essm", "riec", "fier"]
KIND_OF_FORM = {
    "gemeente": OrganisationKind.GEMEENTE,
    "politie": OrganisationKind.POLITIE,
    "essm": OrganisationKind.ZORG,
    "fier": OrganisationKind.ZORG,
    "riec": OrganisationKind.RIEC,
}


# Words of a partner's narrative: the report and the exports handle real texts of 100–600 characters.
_WORDS = (
    "in het afgelopen jaar zijn er meer signalen van arbeidsuitbuiting binnengekomen via de meldpunten "
    "en de wijkteams; de samenwerking met politie en zorgpartners is verbeterd maar de registratie "
    "van slachtoffers blijft onvolledig omdat niet elke casus als mensenhandel wordt herkend door "
    "professionals in de regio terwijl seksuele uitbuiting vaker online begint en minderjarigen extra "
    "kwetsbaar zijn voor loverboys en criminele uitbuiting bij drugshandel"
).split()


def narrative(rng: random.Random) -> str:
    """A Dutch narrative of about 100–600 characters."""
    target = rng.randint(100, 600)
    words: list[str] = []
    length = 0
    while length < target:
        word = rng.choice(_WORDS)
        words.append(word)
        length += len(word) + 1
    text = " ".join(words)[:target].rstrip()
    return text[0].upper() + text[1:] + "."


def _organisations(count: int) -> list[tuple[Organisation, str]]:
    existing = {o.slug: o for o in Organisation.objects.filter(slug__startswith=PREFIX)}
    new = []
    for i in range(count):
        slug = f"{PREFIX}{i:05d}"
        if slug in existing:
            continue
        form_code = FORM_CYCLE[i % len(FORM_CYCLE)]
        kind = KIND_OF_FORM[form_code]
        new.append(
            Organisation(
                name=f"Benchmark-organisatie {i:05d}",
                short_name=f"Bench {i:05d}",
                slug=slug,
                kind=kind,
                subregion=SUBREGIONS[i % 3] if kind == OrganisationKind.GEMEENTE else "",
            )
        )
    Organisation.objects.bulk_create(new, batch_size=1000)
    orgs = Organisation.objects.filter(slug__startswith=PREFIX).order_by("slug")[:count]
    return [(org, FORM_CYCLE[i % len(FORM_CYCLE)]) for i, org in enumerate(orgs)]


def _cells_by_form(edition: Edition) -> dict[str, list[tuple[Indicator, str, str]]]:
    categories = defaultdict(list)
    for c in Category.objects.filter(dimension__edition=edition).order_by("order"):
        categories[c.dimension_id].append(c)
    cells: dict[str, list] = defaultdict(list)
    for indicator in Indicator.objects.filter(edition=edition).select_related("section__form"):
        grid = build_grid(indicator, categories)
        for row, col in grid.keys():
            cells[indicator.section.form.code].append((indicator, row, col))
    return cells


@transaction.atomic
def generate(*, organisations: int = 1000, editions: int = 10, first_year: int = 2010, seed: int = 2024) -> dict:
    """Create (idempotently) approved submissions with realistic counts for every cell."""
    rng = random.Random(seed)
    orgs = _organisations(organisations)
    approved_at = timezone.now()
    created_values = 0
    for year in range(first_year, first_year + editions):
        edition, created = Edition.objects.get_or_create(
            year=year, defaults={"status": Edition.Status.CLOSED, "deadline": datetime.date(year + 1, 3, 1)}
        )
        if created or not edition.forms.exists():
            load_catalogue(edition=edition)
        forms = {f.code: f for f in Form.objects.filter(edition=edition)}
        cells = _cells_by_form(edition)
        have = set(
            Submission.objects.filter(edition=edition, organisation__slug__startswith=PREFIX).values_list(
                "organisation_id", flat=True
            )
        )
        subs = [
            Submission(
                edition=edition,
                organisation=org,
                form=forms[code],
                status=Submission.Status.APPROVED,
                approved_at=approved_at,
                approved_version=2,
                version=2,
                submitted_at=approved_at,
            )
            for org, code in orgs
            if org.pk not in have
        ]
        Submission.objects.bulk_create(subs, batch_size=2000)
        values = []
        for sub in subs:
            for indicator, row, col in cells[sub.form.code]:
                if indicator.kind == Indicator.Kind.TEXT:
                    values.append(Value(submission=sub, indicator=indicator, row=row, col=col, text=narrative(rng)))
                elif indicator.kind == Indicator.Kind.BOOLEAN:
                    number = rng.randint(0, 1)
                    values.append(Value(submission=sub, indicator=indicator, row=row, col=col, number=number))
                elif rng.random() < 0.9:  # about one cell in ten stays blank (unknown)
                    number = rng.randint(0, 60)
                    values.append(Value(submission=sub, indicator=indicator, row=row, col=col, number=number))
            if len(values) >= 20_000:
                Value.objects.bulk_create(values, batch_size=5000)
                created_values += len(values)
                values = []
        Value.objects.bulk_create(values, batch_size=5000)
        created_values += len(values)
    if created_values and connection.vendor == "postgresql":
        # Fresh bulk loads have no planner statistics yet; autovacuum would add them later.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "organisations": len(orgs),
        "editions": editions,
        "values_created": created_values,
        "values_total": Value.objects.filter(submission__organisation__slug__startswith=PREFIX).count(),
    }
