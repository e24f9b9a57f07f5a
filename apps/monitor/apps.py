from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "apps.monitor"
    label = "monitor"
    verbose_name = _("Monitor")

    def ready(self) -> None:
        from apps.monitor import signals  # noqa: F401 - connects the receivers
