from django.urls import path

from apps.monitor import views

urlpatterns = [
    path("healthz/", views.healthz, name="healthz"),
]
