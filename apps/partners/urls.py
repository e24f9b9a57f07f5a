from django.urls import path

from apps.partners import views

urlpatterns = [
    path("", views.home, name="home"),
    path("organisaties/<slug:slug>/", views.organisation_detail, name="organisation_detail"),
    path("beheer/start/", views.staff_home, name="staff_home"),
    path("beheer/", views.staff_dashboard, name="staff_dashboard"),
    path("beheer/organisaties/<slug:slug>/", views.staff_organisation, name="staff_organisation"),
    path("beheer/uitnodigen/", views.invite, name="invite"),
    path("beheer/uitnodigingen/", views.pending_invitations, name="pending_invitations"),
    path("beheer/uitnodigingen/<int:pk>/opnieuw/", views.resend_invitation, name="resend_membership_invitation"),
    path("beheer/lidmaatschappen/<int:pk>/rol/", views.change_membership, name="change_membership"),
    path("beheer/lidmaatschappen/<int:pk>/verwijderen/", views.remove_membership, name="remove_membership"),
]
