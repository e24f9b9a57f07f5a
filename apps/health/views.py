"""GET /healthz/: 200 when every check passes, 503 (with the failing check named) when one does not."""

from __future__ import annotations

from django.http import HttpResponse
from health_check.views import HealthCheckView

from apps.health.checks import checks


class HealthView(HealthCheckView):
    """django-health-check's view (HTML, text/plain or ?format=json) with our checks and 503."""

    def get_checks(self):
        self.checks = checks()
        return super().get_checks()

    async def get(self, request, *args, **kwargs) -> HttpResponse:
        response = await super().get(request, *args, **kwargs)
        # The library answers 500 for a failed check; a load balancer or compose reads 503 as
        # "this instance is unavailable", which is what it means.
        if response.status_code == 500:
            response.status_code = 503
        return response


healthz = HealthView.as_view()
