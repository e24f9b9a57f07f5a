"""Navigation by role for the base layout."""

from django.conf import settings
from django.http import HttpRequest

from apps.partners import access
from apps.partners.models import Organisation


def navigation(request: HttpRequest) -> dict:
    context = {"var_contact_email": settings.VAR_CONTACT_EMAIL}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context | {"nav_is_staff": False, "nav_is_admin": False, "nav_organisations": []}
    return context | {
        "nav_is_staff": access.is_var_staff(user),
        "nav_is_admin": access.is_administrator(user),
        # The user's own organisations (staff see all organisations through the staff pages).
        "nav_organisations": Organisation.objects.filter(pk__in=list(access.roles_by_organisation(user))),
    }
