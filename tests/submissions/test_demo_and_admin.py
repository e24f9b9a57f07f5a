from django.urls import reverse

from apps.submissions.demo import load_demo
from apps.submissions.models import TOTAL, Edition, Submission, Value


def _value(year, slug, code, row="", col=""):
    return Value.objects.get(
        submission__edition__year=year, submission__organisation__slug=slug, indicator__code=code, row=row, col=col
    )


def test_it_loads_the_monitors_figures_idempotently(db):
    load_demo()
    counts = (Value.objects.count(), Submission.objects.count())
    load_demo()
    assert (Value.objects.count(), Submission.objects.count()) == counts

    assert _value(2023, "politie-tmm", "pol_informatieve_gesprekken", TOTAL, TOTAL).number == 58
    assert _value(2021, "politie-tmm", "pol_aangiftes", TOTAL, TOTAL).number == 16
    assert _value(2023, "humanitas-essm", "essm_clienten_categorie", "seksueel", "plus18").number == 83
    assert _value(2022, "humanitas-essm", "essm_clienten_gender", "vrouw").number == 111
    assert _value(2023, "gemeente-rotterdam", "gem_bestuurlijke_controles", "boetes_nla").number == 129
    assert _value(2023, "riec-rotterdam", "riec_casussen").number == 4
    # Where the monitor gives only the total, the split stays blank.
    assert not Value.objects.filter(
        submission__edition__year=2023, indicator__code="pol_aangiftes", row="seksueel", col="minderjarig"
    ).exists()

    for year in (2021, 2022, 2023):
        edition = Edition.objects.get(year=year)
        assert edition.status == Edition.Status.PUBLISHED
    police_2023 = Submission.objects.get(edition__year=2023, organisation__slug="politie-tmm")
    assert police_2023.status == Submission.Status.APPROVED and not police_2023.is_late
    # Every warning of an approved demo submission carries an explanation.
    assert police_2023.explanations.exists()
    open_2024 = Edition.objects.get(year=2024)
    assert open_2024.status == Edition.Status.OPEN
    assert not Value.objects.filter(submission__edition=open_2024).exists()
    assert set(Submission.objects.filter(edition=open_2024).values_list("status", flat=True)) == {"draft"}


def test_it_never_lets_the_admin_change_a_figure(client, adam, db):
    load_demo()
    value = _value(2023, "riec-rotterdam", "riec_casussen")
    client.force_login(adam)
    url = reverse("admin:submissions_value_change", args=[value.pk])
    assert client.get(url).status_code == 200  # visible, with its history
    assert client.post(url, {"number": "99"}).status_code == 403
    value.refresh_from_db()
    assert value.number == 4


def test_it_lets_an_administrator_edit_the_catalogue_in_the_admin(client, adam, db):
    load_demo()
    client.force_login(adam)
    assert client.get(reverse("admin:submissions_indicator_changelist")).status_code == 200
    assert client.get(reverse("admin:submissions_dimension_changelist")).status_code == 200


def test_it_generates_the_benchmark_data_set_idempotently(db):
    from apps.submissions.benchmark import generate

    first = generate(organisations=6, editions=2, first_year=2001)
    assert first["organisations"] == 6 and first["values_created"] > 100
    assert Submission.objects.filter(edition__year=2002, status="approved").count() == 6
    again = generate(organisations=6, editions=2, first_year=2001)
    assert again["values_created"] == 0 and again["values_total"] == first["values_total"]
