"""Fixtures of the partners tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """allauth counts login attempts (rate limits) and used TOTP codes in the cache."""
    cache.clear()
    yield
    cache.clear()
