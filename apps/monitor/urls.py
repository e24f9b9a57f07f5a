from django.urls import path

from apps.monitor import views

urlpatterns = [
    path("healthz/", views.healthz, name="healthz"),
    path("monitor/", views.monitor_index, name="monitor_index"),
    path("monitor/<int:year>/", views.monitor_edition, name="monitor_edition"),
    path("monitor/<int:year>/export/", views.monitor_export, name="monitor_export"),
    path("monitor/<int:year>/<slug:chapter>/", views.monitor_chapter, name="monitor_chapter"),
    path("monitor/<int:year>/<slug:chapter>/grafiek/<slug:table>.svg", views.monitor_chart, name="monitor_chart"),
]
