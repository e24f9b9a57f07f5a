"""python manage.py export_edition YEAR --output PATH [--public] [--raw] [--csv]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.monitor import services
from apps.partners import audit
from apps.partners.models import AuditEvent
from apps.submissions.models import Edition


class Command(BaseCommand):
    help = (
        "Write the edition workbook (internal, or --public with small counts hidden) or, with --raw, "
        "the raw data in long format (.xlsx, or .csv with --csv; internal only)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("--output", required=True, help="Path of the file to write.")
        parser.add_argument("--public", action="store_true", help="The public workbook: counts below the threshold hidden.")
        parser.add_argument("--raw", action="store_true", help="The raw data in long format instead of the workbook.")
        parser.add_argument("--csv", action="store_true", help="With --raw: CSV instead of .xlsx.")

    def handle(self, *args, year: int, output: str, public: bool, raw: bool, csv: bool, **options) -> None:
        edition = Edition.objects.filter(year=year).first()
        if edition is None:
            raise CommandError(f"Editie {year} bestaat niet.")
        if public and (raw or csv):
            raise CommandError("De ruwe gegevens zijn alleen intern: --public gaat niet samen met --raw of --csv.")
        variant = ("csv" if csv else "raw") if (raw or csv) else ("public" if public else "internal")
        content = services.build_export(year=year, variant=variant)
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        audit.record(
            action=AuditEvent.Action.EXPORT,
            obj=edition,
            summary=f"Export {services.export_filename(year, variant)} via de opdrachtregel",
            data={"year": year, "variant": variant, "bytes": len(content), "via": "command", "output": str(path)},
        )
        self.stdout.write(self.style.SUCCESS(f"{path} geschreven ({variant}, {len(content)} bytes)."))
