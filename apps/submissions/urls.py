from django.urls import path

from apps.submissions import views

urlpatterns = [
    path("aanleveringen/<int:pk>/", views.submission_form, name="submission_form"),
    path("beheer/edities/", views.edition_list, name="edition_list"),
    path("beheer/edities/<int:year>/openen/", views.edition_open, name="edition_open"),
]
