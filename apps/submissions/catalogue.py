"""Load the versioned catalogue file into an edition's own snapshot."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import pre_delete, pre_save
from django.http import HttpRequest
from django.utils.translation import gettext as _

from apps.submissions.models import (
    Category,
    Dimension,
    Edition,
    Form,
    Indicator,
    Rule,
    Section,
    Value,
)
from apps.partners import access, audit
from apps.partners.models import AuditEvent, User
from apps.submissions.signals import one_revision

DEFAULT_PATH = Path(settings.BASE_DIR) / "catalogue" / "catalogue.yaml"
_CODE = re.compile(r"^[a-z0-9_]+$")


class CatalogueError(Exception):
    """The catalogue file is not valid; the message says where."""


class CatalogueFrozen(CatalogueError):
    """The edition is published: its catalogue is what the published figures were counted against."""


CATALOGUE_MODELS = (Dimension, Category, Form, Section, Indicator, Rule)

# Set while a service that already checked (and locked) the edition writes its catalogue, so the
# per-object guard below does not ask again for each of hundreds of rows.
_checked_edition: ContextVar[int | None] = ContextVar("catalogue_checked_edition", default=None)


def edition_of(obj: models.Model) -> Edition:
    """The edition a catalogue object belongs to."""
    if isinstance(obj, Category):
        return obj.dimension.edition
    if isinstance(obj, Section):
        return obj.form.edition
    if isinstance(obj, Rule):
        return obj.indicator.edition
    return obj.edition


def check_catalogue_editable(edition: Edition) -> None:
    """Refuse any change to the catalogue of a published edition."""
    if edition.status == Edition.Status.PUBLISHED:
        raise CatalogueFrozen(
            _("Editie %(year)s is gepubliceerd; de catalogus daarvan verandert niet meer.") % {"year": edition.year}
        )


@contextmanager
def _writing(edition: Edition) -> Iterator[Edition]:
    """Lock the edition row, check it is not published, and let the writes below through."""
    locked = Edition.objects.select_for_update().get(pk=edition.pk)
    check_catalogue_editable(locked)
    token = _checked_edition.set(locked.pk)
    try:
        yield locked
    finally:
        _checked_edition.reset(token)


def _refuse_frozen(sender, instance, **kwargs) -> None:
    """Last line: no save path (admin, shell, a future command) changes a published catalogue."""
    edition_ids = {edition_of(instance).pk}
    if instance.pk is not None:
        # An existing object may be moved out of a published edition: where it was counts too.
        old = type(instance).objects.filter(pk=instance.pk).first()
        if old is not None:
            edition_ids.add(edition_of(old).pk)
    for edition in Edition.objects.filter(pk__in=edition_ids - {_checked_edition.get()}):
        check_catalogue_editable(edition)


for _model in CATALOGUE_MODELS:
    pre_save.connect(_refuse_frozen, sender=_model, dispatch_uid=f"catalogue_frozen_save_{_model.__name__}")
    pre_delete.connect(_refuse_frozen, sender=_model, dispatch_uid=f"catalogue_frozen_delete_{_model.__name__}")


def _describe(obj: models.Model) -> str:
    return f"{obj._meta.verbose_name} {getattr(obj, 'code', '') or obj}"


@transaction.atomic
def save_catalogue_object(
    *, obj: models.Model, user: User, changed: list[str] | None = None, request: HttpRequest | None = None
) -> None:
    """Save one catalogue object of an unpublished edition (the admin's only way to write one)."""
    access.require_staff(user)
    created = obj.pk is None
    with _writing(edition_of(obj)) as edition:
        obj.save()  # the revision signal raises Edition.catalogue_revision
        audit.record(
            action=AuditEvent.Action.CATALOGUE_CHANGED,
            actor=user,
            obj=obj,
            summary=_("Catalogus %(year)s: %(what)s %(how)s")
            % {"year": edition.year, "what": _describe(obj), "how": _("toegevoegd") if created else _("gewijzigd")},
            data={"edition": edition.year, "created": created, "fields": sorted(changed or [])},
            request=request,
        )


@transaction.atomic
def delete_catalogue_object(*, obj: models.Model, user: User, request: HttpRequest | None = None) -> None:
    """Delete one catalogue object of an unpublished edition; figures keep their indicator (PROTECT)."""
    access.require_staff(user)
    with _writing(edition_of(obj)) as edition:
        audit.record(
            action=AuditEvent.Action.CATALOGUE_CHANGED,
            actor=user,
            obj=obj,
            summary=_("Catalogus %(year)s: %(what)s verwijderd") % {"year": edition.year, "what": _describe(obj)},
            data={"edition": edition.year, "deleted": True},
            request=request,
        )
        obj.delete()


@dataclass
class LoadResult:
    version: str
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept: list[str] = field(default_factory=list)


def _valid_in(item: dict, year: int) -> bool:
    return item.get("since", 0) <= year <= item.get("until", 9999)


def _code(item: dict, where: str) -> str:
    code = str(item.get("code", ""))
    if not _CODE.match(code):
        raise CatalogueError(f"{where}: code {code!r} mag alleen kleine letters, cijfers en _ bevatten.")
    return code


def read_catalogue(path: Path = DEFAULT_PATH) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CatalogueError(f"{path}: {error}") from error
    if not isinstance(data, dict) or "forms" not in data or "dimensions" not in data:
        raise CatalogueError(f"{path}: verwacht 'version', 'dimensions' en 'forms'.")
    return data


def _counts_persons(spec: dict, kind: str, where: str) -> bool:
    """`counts_persons` (default true): false for cases, inspections, fines, yes/no tallies."""
    value = spec.get("counts_persons", kind == "count")
    if not isinstance(value, bool):
        raise CatalogueError(f"indicator {where}: counts_persons moet true of false zijn.")
    return value


def _rules_for(item: dict, defaults: list[dict], where: str) -> list[dict]:
    rules = item.get("rules", defaults if item.get("kind", "count") == "count" else [])
    kinds = set(Rule.Kind.values)
    for rule in rules:
        if rule.get("kind") not in kinds:
            raise CatalogueError(f"{where}: onbekende regel {rule.get('kind')!r}; kies uit {sorted(kinds)}.")
        if rule.get("severity", "warning") not in Rule.Severity.values:
            raise CatalogueError(f"{where}: ernst moet 'error' of 'warning' zijn.")
    return rules


def _upsert(model, lookup: dict, values: dict, result: LoadResult):
    obj, created = model.objects.update_or_create(**lookup, defaults=values)
    if created:
        result.created += 1
    else:
        result.updated += 1
    return obj


@transaction.atomic
def load_catalogue(*, edition: Edition, path: Path = DEFAULT_PATH, user: User | None = None) -> LoadResult:
    """Create or update the edition's snapshot of everything valid in its year.

    Items that left the file are removed from the snapshot unless figures were entered for them;
    those are kept (and reported) so no delivered figure is ever lost. A published edition is
    refused (CatalogueFrozen). `user=None` is the system (management commands, new editions).
    """
    with _writing(edition) as locked, one_revision(edition_id=edition.pk):
        result = _load_catalogue(edition=locked, path=path)
        audit.record(
            action=AuditEvent.Action.CATALOGUE_CHANGED,
            actor=user,
            obj=locked,
            summary=_("Catalogus %(version)s geladen in editie %(year)s: %(c)s nieuw, %(u)s bijgewerkt, %(r)s verwijderd")
            % {"version": result.version, "year": locked.year, "c": result.created, "u": result.updated, "r": result.removed},
            data={"version": result.version, "created": result.created, "updated": result.updated,
                  "removed": result.removed, "kept": result.kept, "file": str(path.name)},
        )
    edition.catalogue_version = locked.catalogue_version
    return result


def _load_catalogue(*, edition: Edition, path: Path) -> LoadResult:
    data = read_catalogue(path)
    year = edition.year
    result = LoadResult(version=str(data.get("version", "")))
    defaults = data.get("defaults", {}).get("rules", [])

    dimensions: dict[str, Dimension] = {}
    for d_code, spec in data["dimensions"].items():
        if not _CODE.match(str(d_code)):
            raise CatalogueError(f"uitsplitsing {d_code!r}: ongeldige code.")
        dim = _upsert(Dimension, {"edition": edition, "code": d_code}, {"label": spec.get("label", d_code)}, result)
        dimensions[d_code] = dim
        wanted = []
        for order, cat in enumerate(c for c in spec.get("categories", []) if _valid_in(c, year)):
            code = _code(cat, f"uitsplitsing {d_code}")
            wanted.append(code)
            _upsert(
                Category,
                {"dimension": dim, "code": code},
                {
                    "label": cat["label"],
                    "order": order,
                    "maps_to": cat.get("maps_to", ""),
                    "footnote": " ".join(str(cat.get("footnote", "")).split()),
                },
                result,
            )
        for category in Category.objects.filter(dimension=dim).exclude(code__in=wanted):
            used = Value.objects.filter(submission__edition=edition).filter(
                Q(indicator__row_dimension=dim, row=category.code) | Q(indicator__col_dimension=dim, col=category.code)
            )
            if used.exists():
                result.kept.append(f"{d_code}.{category.code}")
            else:
                category.delete()
                result.removed += 1

    indicator_codes: set[str] = set()
    wanted_forms = []
    for f_order, form_spec in enumerate(f for f in data["forms"] if _valid_in(f, year)):
        f_code = _code(form_spec, "formulier")
        wanted_forms.append(f_code)
        form = _upsert(
            Form,
            {"edition": edition, "code": f_code},
            {
                "title": form_spec["title"],
                "description": " ".join(str(form_spec.get("description", "")).split()),
                "organisation_kinds": form_spec.get("organisation_kinds", []),
                "organisation_slugs": form_spec.get("organisation_slugs", []),
                "order": f_order,
            },
            result,
        )
        wanted_sections = []
        for s_order, section_spec in enumerate(s for s in form_spec.get("sections", []) if _valid_in(s, year)):
            s_code = _code(section_spec, f"formulier {f_code}")
            wanted_sections.append(s_code)
            section = _upsert(
                Section,
                {"form": form, "code": s_code},
                {
                    "title": section_spec["title"],
                    "description": " ".join(str(section_spec.get("description", "")).split()),
                    "order": s_order,
                },
                result,
            )
            for i_order, spec in enumerate(i for i in section_spec.get("indicators", []) if _valid_in(i, year)):
                i_code = _code(spec, f"onderdeel {s_code}")
                if i_code in indicator_codes:
                    raise CatalogueError(f"indicator {i_code}: code komt twee keer voor.")
                indicator_codes.add(i_code)
                for axis in ("rows", "cols"):
                    if spec.get(axis) and spec[axis] not in dimensions:
                        raise CatalogueError(f"indicator {i_code}: onbekende uitsplitsing {spec[axis]!r}.")
                kind = spec.get("kind", "count")
                if kind not in Indicator.Kind.values:
                    raise CatalogueError(f"indicator {i_code}: onbekende soort {kind!r}.")
                indicator = _upsert(
                    Indicator,
                    {"edition": edition, "code": i_code},
                    {
                        "section": section,
                        "label": spec["label"],
                        "help_text": " ".join(str(spec.get("help_text", "")).split()),
                        "kind": kind,
                        "chapter": spec.get("chapter", ""),
                        "row_dimension": dimensions.get(spec.get("rows", "")),
                        "col_dimension": dimensions.get(spec.get("cols", "")),
                        "total_row": bool(spec.get("total_row", False)),
                        "total_column": bool(spec.get("total_column", False)),
                        "total_label": spec.get("total_label", "Totaal"),
                        "order": i_order,
                        "counts_persons": _counts_persons(spec, kind, i_code),
                    },
                    result,
                )
                rules = _rules_for(spec, defaults, f"indicator {i_code}")
                indicator.rules.all().delete()
                Rule.objects.bulk_create(
                    Rule(
                        indicator=indicator,
                        kind=r["kind"],
                        severity=r.get("severity", "warning"),
                        params={k: v for k, v in r.items() if k not in {"kind", "severity"}},
                    )
                    for r in rules
                )
        Section.objects.filter(form=form).exclude(code__in=wanted_sections).filter(indicators__isnull=True).delete()

    for other in data["forms"]:
        for spec in (i for s in other.get("sections", []) for i in s.get("indicators", [])):
            for rule in spec.get("rules", []):
                if rule.get("kind") == "equal_total" and rule.get("other") not in indicator_codes | {None}:
                    if _valid_in(spec, year) and _valid_in(other, year):
                        raise CatalogueError(f"indicator {spec['code']}: 'other' {rule.get('other')!r} bestaat niet.")

    stale = Indicator.objects.filter(edition=edition).exclude(code__in=indicator_codes)
    with_values = set(Value.objects.filter(indicator__in=stale).values_list("indicator__code", flat=True))
    result.kept += sorted(with_values)
    result.removed += stale.exclude(code__in=with_values).delete()[0]
    Form.objects.filter(edition=edition).exclude(code__in=wanted_forms).filter(submissions__isnull=True).delete()

    edition.catalogue_version = result.version
    edition.save(update_fields=["catalogue_version"])
    return result
