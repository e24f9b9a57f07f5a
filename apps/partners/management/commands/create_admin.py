import getpass

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.partners.models import Membership, Organisation, Role, User
from apps.partners.services import _sync_admin_flags


class Command(BaseCommand):
    help = "Create the first administrator (a member of the VAR with the administrator role)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input instead of a prompt."
        )

    @transaction.atomic
    def handle(self, *args, email: str, name: str, password_stdin: bool, **options) -> None:
        email = email.strip().lower()
        var = Organisation.objects.filter(is_var=True).first()
        if var is None:
            raise CommandError("Er is geen VAR-organisatie; draai eerst 'manage.py migrate'.")
        password = input() if password_stdin else getpass.getpass("Wachtwoord: ")
        if len(password) < 12:
            raise CommandError("Kies een wachtwoord van minstens 12 tekens.")
        user = User.objects.filter(email=email).first() or User.objects.create_user(email=email, name=name)
        user.set_password(password)
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        Membership.objects.update_or_create(user=user, organisation=var, defaults={"role": Role.ADMINISTRATOR})
        _sync_admin_flags(user)
        self.stdout.write(
            self.style.SUCCESS(f"{email} is beheerder. Bij de eerste login stelt u tweestapsverificatie in.")
        )
