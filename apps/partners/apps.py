from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "apps.partners"
    label = "partners"
    verbose_name = _("Partners en accounts")

    def ready(self) -> None:
        from apps.partners import signals  # noqa: F401
