"""Encrypt the TOTP secrets and recovery-code seeds stored in the clear before MFAAdapter existed."""

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import migrations


def _is_encrypted(fernet: Fernet, value: str) -> bool:
    try:
        fernet.decrypt(value.encode())
    except InvalidToken:
        return False
    return True


def forwards(apps, schema_editor):
    Authenticator = apps.get_model("mfa", "Authenticator")
    fernet = Fernet(settings.MFA_ENCRYPTION_KEY)
    for authenticator in Authenticator.objects.all():
        data = dict(authenticator.data)
        for key in ("secret", "seed"):
            if isinstance(data.get(key), str) and not _is_encrypted(fernet, data[key]):
                data[key] = fernet.encrypt(data[key].encode()).decode()
        if isinstance(data.get("migrated_codes"), list):
            data["migrated_codes"] = [
                code if _is_encrypted(fernet, code) else fernet.encrypt(code.encode()).decode()
                for code in data["migrated_codes"]
            ]
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ('partners', '0003_audit_types'),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    # Not reversible on purpose: writing the secrets back in the clear is what this closes.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
