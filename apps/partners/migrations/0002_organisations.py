"""Reference data: the partners of the VAR and the municipalities of the region (with mergers)."""

import datetime

from django.db import migrations
from django.utils.text import slugify

PARTNERS = [
    # name, short name, slug, kind, is_var
    ("Politie Eenheid Rotterdam – Team Migratiecriminaliteit en Mensenhandel (TMM)", "Politie TMM", "politie-tmm", "politie", False),
    ("Stichting Humanitas – Expertisecentrum Seksualiteit Sekswerk en Mensenhandel (ESSM)", "Humanitas ESSM", "humanitas-essm", "zorg", False),
    ("Stichting Fier", "FIER", "fier", "zorg", False),
    ("RIEC Rotterdam", "RIEC Rotterdam", "riec-rotterdam", "riec", False),
    ("Veiligheidsalliantie regio Rotterdam (VAR)", "VAR", "var", "landelijk", True),
]

MUNICIPALITIES = [
    # subregion, name, CBS code, valid from, valid to
    ("rotterdam", "Rotterdam", "GM0599", None, None),
    ("rijnmond", "Albrandswaard", "GM0613", None, None),
    ("rijnmond", "Barendrecht", "GM0489", None, None),
    ("rijnmond", "Capelle aan den IJssel", "GM0502", None, None),
    ("rijnmond", "Goeree-Overflakkee", "GM1924", None, None),
    ("rijnmond", "Krimpen aan den IJssel", "GM0542", None, None),
    ("rijnmond", "Lansingerland", "GM1621", None, None),
    ("rijnmond", "Maassluis", "GM0556", None, None),
    ("rijnmond", "Nissewaard", "GM1930", None, None),
    ("rijnmond", "Ridderkerk", "GM0597", None, None),
    ("rijnmond", "Schiedam", "GM0606", None, None),
    ("rijnmond", "Vlaardingen", "GM0622", None, None),
    ("rijnmond", "Voorne aan Zee", "GM1992", datetime.date(2023, 1, 1), None),
    ("rijnmond", "Brielle", "GM0501", None, datetime.date(2022, 12, 31)),
    ("rijnmond", "Hellevoetsluis", "GM0530", None, datetime.date(2022, 12, 31)),
    ("rijnmond", "Westvoorne", "GM0614", None, datetime.date(2022, 12, 31)),
    ("zhz", "Alblasserdam", "GM0482", None, None),
    ("zhz", "Dordrecht", "GM0505", None, None),
    ("zhz", "Gorinchem", "GM0512", None, None),
    ("zhz", "Hardinxveld-Giessendam", "GM0523", None, None),
    ("zhz", "Hendrik-Ido-Ambacht", "GM0531", None, None),
    ("zhz", "Hoeksche Waard", "GM1963", None, None),
    ("zhz", "Molenlanden", "GM1978", None, None),
    ("zhz", "Papendrecht", "GM0590", None, None),
    ("zhz", "Sliedrecht", "GM0610", None, None),
    ("zhz", "Zwijndrecht", "GM0642", None, None),
]


def forwards(apps, schema_editor):
    Organisation = apps.get_model("partners", "Organisation")
    for name, short, slug, kind, is_var in PARTNERS:
        Organisation.objects.update_or_create(
            slug=slug, defaults={"name": name, "short_name": short, "kind": kind, "is_var": is_var}
        )
    for subregion, name, code, valid_from, valid_to in MUNICIPALITIES:
        Organisation.objects.update_or_create(
            cbs_code=code,
            defaults={
                "name": f"Gemeente {name}",
                "short_name": name,
                "slug": f"gemeente-{slugify(name)}",
                "kind": "gemeente",
                "subregion": subregion,
                "valid_from": valid_from,
                "valid_to": valid_to,
            },
        )


def backwards(apps, schema_editor):
    Organisation = apps.get_model("partners", "Organisation")
    Organisation.objects.filter(slug__in=[p[2] for p in PARTNERS]).delete()
    Organisation.objects.filter(cbs_code__in=[m[2] for m in MUNICIPALITIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
