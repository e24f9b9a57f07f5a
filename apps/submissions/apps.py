from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    name = "apps.submissions"
    label = "submissions"
    verbose_name = _("Aanleveringen")

    def ready(self) -> None:
        from apps.submissions import catalogue, signals  # noqa: F401 - connect the receivers (catalogue: frozen guard)
