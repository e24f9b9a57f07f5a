"""Keep `Edition.catalogue_revision` in step with every change to an edition's catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.submissions.models import Category, Dimension, Edition, Form, Indicator, Rule, Section

_paused: ContextVar[bool] = ContextVar("catalogue_revision_paused", default=False)


def _raise_revision(**lookup) -> None:
    Edition.objects.filter(**lookup).update(catalogue_revision=F("catalogue_revision") + 1)


@contextmanager
def one_revision(*, edition_id: int) -> Iterator[None]:
    """Count a bulk change (loading a catalogue: hundreds of saves) as one revision, raised at the end."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)
    _raise_revision(pk=edition_id)


def _edition_filter(instance) -> dict:
    """The lookup that finds the edition of a catalogue object without loading anything."""
    if isinstance(instance, Category):
        return {"dimensions": instance.dimension_id}
    if isinstance(instance, Section):
        return {"forms": instance.form_id}
    if isinstance(instance, Rule):
        return {"indicators": instance.indicator_id}
    return {"pk": instance.edition_id}


def bump_catalogue_revision(sender, instance, **kwargs) -> None:
    """Raise the revision of the edition whose catalogue changed (deleting an edition cascades here too)."""
    if _paused.get():
        return
    _raise_revision(**_edition_filter(instance))


for _model in (Dimension, Category, Form, Section, Indicator, Rule):
    receiver([post_save, post_delete], sender=_model)(bump_catalogue_revision)
