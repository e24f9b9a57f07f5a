"""The first administrator: `manage.py create_admin EMAIL [--name NAME]`.

By default she gets an email with a link to set her password (the same link as an invitation), so no
password passes through a terminal. `--password-stdin` sets one directly instead (scripts, no mail).
Either way the first login asks her to set up two-factor authentication.
"""

import getpass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.template.loader import render_to_string

from apps.partners import audit
from apps.partners.emails import invitation_link
from apps.partners.models import AuditEvent, Membership, Organisation, Role, User
from apps.partners.services import _sync_admin_flags


class Command(BaseCommand):
    help = (
        "Create the first administrator (a member of the VAR with the administrator role) and mail her a "
        "link to set her password."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from standard input and send no mail.",
        )
        parser.add_argument(
            "--password-prompt", action="store_true", help="Ask for the password at a prompt and send no mail."
        )

    def handle(self, *args, email: str, name: str, password_stdin: bool, password_prompt: bool, **options) -> None:
        email = email.strip().lower()
        password = None
        if password_stdin:
            password = input()
        elif password_prompt:
            password = getpass.getpass("Wachtwoord: ")
        if password is not None and len(password) < 12:
            raise CommandError("Kies een wachtwoord van minstens 12 tekens.")
        membership = self._make_administrator(email=email, name=name, password=password)
        if password is not None:
            self.stdout.write(
                self.style.SUCCESS(f"{email} is beheerder. Bij de eerste login stelt u tweestapsverificatie in.")
            )
            return
        try:
            self._send_link(membership)
        except OSError as error:  # SMTP unreachable or refused: the account exists, the mail can be resent
            raise CommandError(
                f"{email} is beheerder, maar de mail kon niet worden verstuurd ({error}). Controleer EMAIL_* in "
                f".env en draai dit commando opnieuw: het stuurt dan een nieuwe link."
            ) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"{email} is beheerder. Een mail met een link om het wachtwoord in te stellen is verstuurd; "
                f"bij de eerste login stelt zij/hij tweestapsverificatie in."
            )
        )

    @transaction.atomic
    def _make_administrator(self, *, email: str, name: str, password: str | None) -> Membership:
        var = Organisation.objects.filter(is_var=True).first()
        if var is None:
            raise CommandError("Er is geen VAR-organisatie; draai eerst 'manage.py migrate'.")
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if created:
            user = User.objects.create_user(email=email, name=name)  # no usable password until she sets one
        if password is not None:
            user.set_password(password)
            user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        membership, _ = Membership.objects.update_or_create(
            user=user, organisation=var, defaults={"role": Role.ADMINISTRATOR}
        )
        _sync_admin_flags(user)
        audit.record(
            action=AuditEvent.Action.INVITED,
            actor_email="manage.py create_admin",
            organisation=var,
            obj=membership,
            summary=f"{email} beheerder gemaakt met create_admin",
            data={"email": email, "role": Role.ADMINISTRATOR, "new_account": created, "mail": password is None},
        )
        return membership

    def _send_link(self, membership: Membership) -> None:
        context = {
            "user": membership.user,
            "link": invitation_link(membership),
            "site_url": settings.SITE_URL,
            "contact": settings.VAR_CONTACT_EMAIL,
        }
        send_mail(
            subject="Mensenhandelmonitor: stel uw wachtwoord in (beheerder)",
            message=render_to_string("partners/email/first_admin.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[membership.user.email],
        )
