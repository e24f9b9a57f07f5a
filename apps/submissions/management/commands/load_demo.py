from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.submissions.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo accounts and the figures of the Mensenhandelmonitor 2021-2023 (idempotent; DEBUG only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("load_demo draait alleen met DEBUG aan: demo-accounts horen niet in productie.")
        load_demo()
        self.stdout.write(self.style.SUCCESS("Demo geladen. Accounts (wachtwoord %s):" % DEMO_PASSWORD))
        for email, _name, slug, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {email:28} {role.label} – {slug}")
