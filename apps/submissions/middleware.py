"""Refuse a NUL character in the address before any view sees it.

PostgreSQL cannot store or compare text containing NUL, so a filter like `?organisatie=%00` on
any page (the staff pages, the admin's audit filter) would end in a database error (500). No
legitimate link carries one: answer 400 with a Dutch page instead, wherever the parameter goes.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django.shortcuts import render


def _has_nul(raw: str) -> bool:
    return "\x00" in raw or b"\x00" in unquote_to_bytes(raw.replace("+", " "))


class RefuseNulInAddressMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.META.get("QUERY_STRING", "")) or "\x00" in request.path:
            return render(request, "bad_request_nul.html", status=400)
        return self.get_response(request)
