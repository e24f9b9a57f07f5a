from django.core.management.base import BaseCommand

from apps.submissions.benchmark import generate


class Command(BaseCommand):
    help = "Generate the synthetic benchmark data set into the configured database (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--organisations", type=int, default=1000)
        parser.add_argument("--editions", type=int, default=10)
        parser.add_argument("--first-year", type=int, default=2010)

    def handle(self, *args, organisations: int, editions: int, first_year: int, **options) -> None:
        result = generate(organisations=organisations, editions=editions, first_year=first_year)
        self.stdout.write(self.style.SUCCESS(", ".join(f"{k}: {v}" for k, v in result.items())))
