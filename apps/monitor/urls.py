from django.urls import path

from apps.monitor import editorial_views, public_views, views

urlpatterns = [
    path("monitor/", views.monitor_index, name="monitor_index"),
    path("monitor/<int:year>/", views.monitor_edition, name="monitor_edition"),
    # Downloads: POST starts the Celery task, the status page shows progress, then the file.
    path("monitor/<int:year>/export/<slug:variant>/", views.monitor_export_status, name="monitor_export_status"),
    path("monitor/<int:year>/export/<slug:variant>/maken/", views.monitor_export_build, name="monitor_export_build"),
    path("monitor/<int:year>/export/<slug:variant>/<int:file_id>/", views.monitor_export_file, name="monitor_export_file"),
    path(
        "monitor/<int:year>/export/<slug:variant>/<int:file_id>/voortgang/",
        views.monitor_export_progress,
        name="monitor_export_progress",
    ),
    path(
        "monitor/<int:year>/export/<slug:variant>/<int:file_id>/downloaden/",
        views.monitor_export_download,
        name="monitor_export_download",
    ),
    # The report as a document (VAR staff): the whole internal report and its editorial texts.
    path("monitor/<int:year>/rapport/", editorial_views.report_internal, name="report_internal"),
    path("monitor/<int:year>/rapport/teksten/", editorial_views.editorial_list, name="report_texts"),
    path("monitor/<int:year>/rapport/teksten/nieuw/", editorial_views.editorial_edit, name="report_text_new"),
    path("monitor/<int:year>/rapport/teksten/<int:pk>/", editorial_views.editorial_edit, name="report_text_edit"),
    path(
        "monitor/<int:year>/rapport/teksten/<int:pk>/verwijderen/",
        editorial_views.editorial_remove,
        name="report_text_remove",
    ),
    path("monitor/<int:year>/<slug:chapter>/", views.monitor_chapter, name="monitor_chapter"),
    path("monitor/<int:year>/<slug:chapter>/grafiek/<slug:table>.svg", views.monitor_chart, name="monitor_chart"),
    # The public site: published editions, no account needed.
    path("publicatie/", public_views.public_index, name="public_index"),
    path("publicatie/<int:year>/", public_views.public_edition, name="public_edition"),
    path("publicatie/<int:year>/rapport/", public_views.public_whole, name="public_whole"),
    path("publicatie/<int:year>/open-data/", public_views.public_open_data, name="public_open_data"),
    path("publicatie/<int:year>/open-data/tabellen.json", public_views.public_open_data_index, name="public_open_data_index"),
    path(
        "publicatie/<int:year>/open-data/<slug:chapter>/<slug:table>.<str:ext>",
        public_views.public_open_data_file,
        name="public_open_data_file",
    ),
    path("publicatie/<int:year>/bestand/<slug:variant>/", public_views.public_download, name="public_download"),
    path(
        "publicatie/<int:year>/grafiek/<slug:chapter>/<slug:table>.svg", public_views.public_chart, name="public_chart"
    ),
    path("publicatie/<int:year>/<slug:anchor>/", public_views.public_chapter, name="public_chapter"),
]
