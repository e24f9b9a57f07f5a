from django.urls import path

from apps.monitor import views

urlpatterns = [
    path("monitor/", views.monitor_index, name="monitor_index"),
    path("monitor/<int:year>/", views.monitor_edition, name="monitor_edition"),
    # Downloads: POST starts the Celery task, the status page shows progress, then the file.
    path("monitor/<int:year>/export/<slug:variant>/", views.monitor_export_status, name="monitor_export_status"),
    path("monitor/<int:year>/export/<slug:variant>/maken/", views.monitor_export_build, name="monitor_export_build"),
    path(
        "monitor/<int:year>/export/<slug:variant>/voortgang/",
        views.monitor_export_progress,
        name="monitor_export_progress",
    ),
    path(
        "monitor/<int:year>/export/<slug:variant>/downloaden/",
        views.monitor_export_download,
        name="monitor_export_download",
    ),
    path("monitor/<int:year>/<slug:chapter>/", views.monitor_chapter, name="monitor_chapter"),
    path("monitor/<int:year>/<slug:chapter>/grafiek/<slug:table>.svg", views.monitor_chart, name="monitor_chart"),
]
