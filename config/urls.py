from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from apps.health.views import healthz
from apps.partners import access

# The admin sits behind the same login (and two-factor rule) as the rest, for administrators only.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.has_permission = lambda request: request.user.is_active and access.is_administrator(request.user)
admin.site.site_header = "Mensenhandelmonitor – beheer"
admin.site.site_title = "Mensenhandelmonitor"

urlpatterns = [
    # Database, cache, broker and worker (apps/health); compose and systemd probe this URL.
    path("healthz/", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("apps.submissions.urls")),
    path("", include("apps.monitor.urls")),
    path("", include("apps.partners.urls")),
]
