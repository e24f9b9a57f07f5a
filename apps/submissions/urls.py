from django.urls import path

from apps.monitor import policy_views
from apps.submissions import (
    correction_views,
    edition_views,
    handoff_views,
    history_views,
    overview_views,
    staff_views,
    upload_views,
    views,
)

urlpatterns = [
    path("aanleveringen/<int:pk>/", views.submission_form, name="submission_form"),
    path("aanleveringen/<int:pk>/indienen/", views.submit, name="submission_submit"),
    path("aanleveringen/<int:pk>/geschiedenis/", history_views.submission_history, name="submission_history"),
    path("aanleveringen/<int:pk>/klaar/", handoff_views.ready_for_coordinator, name="submission_ready"),
    path("aanleveringen/<int:pk>/excel/", upload_views.download_template, name="submission_excel"),
    path("aanleveringen/<int:pk>/excel/uploaden/", upload_views.upload, name="submission_upload"),
    path("aanleveringen/<int:pk>/excel/bevestigen/", upload_views.upload_confirm, name="submission_upload_confirm"),
    path("aanleveringen/<int:pk>/status/<slug:action>/", edition_views.submission_state, name="submission_state"),
    path("beheer/edities/", edition_views.edition_list, name="edition_list"),
    path("beheer/edities/<int:year>/", staff_views.edition_overview_view, name="edition_overview"),
    path("beheer/edities/<int:year>/openen/", edition_views.edition_open, name="edition_open"),
    path("beheer/edities/<int:year>/sluiten/", edition_views.edition_close, name="edition_close"),
    path("beheer/edities/<int:year>/heropenen/", edition_views.edition_reopen, name="edition_reopen"),
    path("beheer/edities/<int:year>/publiceren/", edition_views.edition_publish, name="edition_publish"),
    path("beheer/edities/<int:year>/correctie/", edition_views.edition_correction, name="edition_correction"),
    path(
        "beheer/edities/<int:year>/correctie/intrekken/",
        correction_views.edition_correction_cancel,
        name="edition_correction_cancel",
    ),
    path(
        "beheer/edities/<int:year>/revisies/<int:number>.csv",
        edition_views.edition_revision_csv,
        name="edition_revision_csv",
    ),
    path("beheer/edities/<int:year>/herinnering/", overview_views.send_reminder, name="edition_send_reminder"),
    # The edition's disclosure policy (apps/monitor: it decides what the monitor hides).
    path("beheer/edities/<int:year>/afscherming/", policy_views.edition_disclosure, name="edition_disclosure"),
    path("beheer/edities/<int:year>/<slug:move>/", edition_views.edition_change, name="edition_change"),
    path("beheer/aanleveringen/<int:pk>/", staff_views.review_submission, name="review_submission"),
    path("beheer/audit/", staff_views.audit_log, name="audit_log"),
]
