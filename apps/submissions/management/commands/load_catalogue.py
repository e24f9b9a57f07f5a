from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.submissions.catalogue import DEFAULT_PATH, CatalogueError, load_catalogue
from apps.submissions.models import Edition


class Command(BaseCommand):
    help = "Load the catalogue file into the snapshot of an edition (created in preparation if missing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("--file", type=Path, default=DEFAULT_PATH)

    def handle(self, *args, year: int, file: Path, **options) -> None:
        edition, _ = Edition.objects.get_or_create(year=year)
        try:
            # The service refuses a published edition (CatalogueFrozen) and writes the audit entry.
            result = load_catalogue(edition=edition, path=file)
        except CatalogueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Catalogus {result.version} in editie {year}: {result.created} nieuw, {result.updated} bijgewerkt, "
            f"{result.removed} verwijderd."
        )
        if result.kept:
            self.stdout.write(self.style.WARNING("Behouden omdat er al cijfers zijn: " + ", ".join(result.kept)))
