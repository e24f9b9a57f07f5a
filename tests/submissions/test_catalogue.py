from pathlib import Path

import pytest
import yaml

from apps.submissions.catalogue import DEFAULT_PATH, CatalogueError, load_catalogue
from apps.submissions.models import (
    Category,
    Edition,
    Indicator,
    Rule,
    Submission,
    Value,
)


def _catalogue() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_it_loads_every_form_of_the_monitor(db):
    edition = Edition.objects.create(year=2023)
    result = load_catalogue(edition=edition)
    assert result.version == _catalogue()["version"]
    assert set(edition.forms.values_list("code", flat=True)) == {"politie", "riec", "essm", "fier", "gemeente", "landelijk"}
    ind = Indicator.objects.get(edition=edition, code="pol_informatieve_gesprekken")
    assert ind.label == "Informatieve gesprekken mensenhandel"
    assert list(Category.objects.filter(dimension=ind.row_dimension).values_list("label", flat=True)) == [
        "Seksuele uitbuiting",
        "Arbeidsuitbuiting",
        "Criminele uitbuiting",
        "Overige vorm van uitbuiting",
    ]
    assert edition.catalogue_version == result.version


def test_it_versions_categories_per_edition(db):
    """Monitor 2023, footnote 4: jeugdprostitutie went into seksuele uitbuiting in 2023."""
    e2022 = Edition.objects.create(year=2022)
    e2023 = Edition.objects.create(year=2023)
    load_catalogue(edition=e2022)
    load_catalogue(edition=e2023)
    codes_2022 = set(Category.objects.filter(dimension__edition=e2022, dimension__code="essm_categorie").values_list("code", flat=True))
    codes_2023 = set(Category.objects.filter(dimension__edition=e2023, dimension__code="essm_categorie").values_list("code", flat=True))
    assert "jeugdprostitutie" in codes_2022
    assert "jeugdprostitutie" not in codes_2023
    jp = Category.objects.get(dimension__edition=e2022, code="jeugdprostitutie")
    assert jp.maps_to == "seksueel" and "herdefiniëring" in jp.footnote
    # 273g exists only from 2022 on.
    assert Indicator.objects.filter(edition=e2022, code="pol_onderzoeken_273g").exists()
    e2021 = Edition.objects.create(year=2021)
    load_catalogue(edition=e2021)
    assert not Indicator.objects.filter(edition=e2021, code="pol_onderzoeken_273g").exists()


def test_it_adds_an_indicator_from_data_alone(db, tmp_path):
    data = _catalogue()
    data["forms"][0]["sections"][0]["indicators"].append(
        {"code": "pol_nieuw", "label": "Nieuwe indicator", "rows": "gender", "total_row": True}
    )
    data["dimensions"]["gender"]["categories"].append({"code": "x", "label": "Non-binair", "since": 2024})
    edition = Edition.objects.create(year=2024)
    load_catalogue(edition=edition, path=_write(tmp_path, data))
    ind = Indicator.objects.get(edition=edition, code="pol_nieuw")
    assert ind.total_row
    assert "x" in ind.row_dimension.categories.values_list("code", flat=True)
    assert set(Rule.objects.filter(indicator=ind).values_list("kind", flat=True)) == {"sum", "part_le_total", "yoy"}


def test_it_reloads_idempotently_and_keeps_figures(db, tmp_path, edition_2024, org_a):
    before = Indicator.objects.filter(edition=edition_2024).count()
    load_catalogue(edition=edition_2024)
    assert Indicator.objects.filter(edition=edition_2024).count() == before
    submission = Submission.objects.get(edition=edition_2024, organisation=org_a)
    ind = Indicator.objects.get(edition=edition_2024, code="gem_bestuurlijke_controles")
    Value.objects.create(submission=submission, indicator=ind, row="bouwplaatsen", number=3)
    data = _catalogue()
    for form in data["forms"]:
        for section in form["sections"]:
            section["indicators"] = [i for i in section["indicators"] if i["code"] != "gem_bestuurlijke_controles"]
    result = load_catalogue(edition=edition_2024, path=_write(tmp_path, data))
    assert "gem_bestuurlijke_controles" in result.kept
    assert Value.objects.filter(indicator=ind).count() == 1


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["forms"][0]["sections"][0]["indicators"][0].update(rows="bestaat_niet"), "onbekende uitsplitsing"),
        (lambda d: d["forms"][0]["sections"][0]["indicators"][0].update(code="Hoofdletters"), "kleine letters"),
        (lambda d: d["defaults"]["rules"].append({"kind": "magie"}), "onbekende regel"),
        (lambda d: d["forms"][1]["sections"][0]["indicators"].append(dict(d["forms"][0]["sections"][0]["indicators"][0])), "twee keer"),
    ],
)
def test_it_refuses_a_broken_catalogue_with_a_clear_message(db, tmp_path, mutate, message):
    data = _catalogue()
    mutate(data)
    edition = Edition.objects.create(year=2024)
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(edition=edition, path=_write(tmp_path, data))
    assert not Indicator.objects.filter(edition=edition).exists()
