"""The submission form, built from the catalogue: forms check shape, services check rules."""

from __future__ import annotations

import copy
import html
import re
from dataclasses import dataclass, field

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.submissions.grid import Axis, Grid
from apps.submissions.models import Indicator, Value
from apps.submissions.selectors import CellId, FormContext
from apps.submissions.services import CellInput

def escaped(value) -> str:
    """`conditional_escape` for the page writers below, without its per-call lazy-string check.

    The same characters as Django's escape (both are the standard library's), safe strings kept as
    they are; called some 2,000 times a page.
    """
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


MAX_COUNT = 1_000_000
_DIGITS = re.compile(r"^[0-9]+$")
_DECIMAL = re.compile(r"^-?[0-9]*[.,][0-9]+$")


class CountField(forms.CharField):
    """A whole number from 0 to 1,000,000, or blank for unknown; only ASCII digits are accepted."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):  # type: ignore[override]
        raw = super().to_python(value).replace(" ", "").replace("\u00a0", "")
        if raw == "":
            return None
        if len(raw) > 30:
            raise forms.ValidationError(_("Het aantal mag niet groter zijn dan 1.000.000."), code="max_value")
        if _DIGITS.match(raw):
            number = int(raw)
            if number > MAX_COUNT:
                raise forms.ValidationError(_("Het aantal mag niet groter zijn dan 1.000.000."), code="max_value")
            return number
        if raw.startswith("-") and _DIGITS.match(raw[1:]):
            raise forms.ValidationError(_("Een aantal kan niet negatief zijn. Vul 0 of meer in."), code="negative")
        if _DECIMAL.match(raw):
            raise forms.ValidationError(
                _("Vul een heel getal in, zonder komma, punt of decimalen."), code="not_whole"
            )
        raise forms.ValidationError(
            _("Vul een heel getal in met alleen de cijfers 0 tot en met 9, of laat het veld leeg als het onbekend is."),
            code="not_a_number",
        )


def field_name(prefix: str, cell: CellId) -> str:
    return f"{prefix}-{cell[0]}-{cell[1]}-{cell[2]}"


@dataclass
class CellView:
    cell: CellId
    axis_row: Axis
    axis_col: Axis
    field: forms.BoundField
    comment: forms.BoundField
    previous: int | None
    has_comment: bool
    sum_of: list[str] = field(default_factory=list)
    input_html: SafeString = SafeString("")
    comment_html: SafeString = SafeString("")
    errors: list[str] = field(default_factory=list)

    @property
    def is_total(self) -> bool:
        return self.axis_row.is_total or self.axis_col.is_total


@dataclass
class GridView:
    grid: Grid
    rows: list[tuple[Axis, list[CellView]]]
    single: forms.BoundField | None = None
    previous_text: str = ""
    findings: list = field(default_factory=list)
    previous_year: int | None = None
    findings_html: SafeString = SafeString("")

    def table_html(self) -> SafeString:
        """The grid's table and its comment fields, as the form page shows them.

        Written here rather than by the template: a police form has seven such tables with 66 cells,
        and walking them through the template engine was a third of the page's time. The markup is
        the template's, with a newline wherever the template had whitespace.
        """
        grid = self.grid
        indicator = grid.indicator
        out = ['<div class="table-responsive">\n<table class="table table-sm align-middle grid-table">\n'
               f'<caption class="caption-top fw-semibold text-body">{escaped(indicator.label)}']
        if indicator.help_text:
            out.append(f'<span class="d-block fw-normal small text-body-secondary">{escaped(indicator.help_text)}</span>')
        out.append("</caption>\n<thead><tr>\n<td></td>\n")
        for col in grid.cols:
            out.append(f'<th scope="col" class="{"total" if col.is_total else ""}">{escaped(col.label)}</th>')
        out.append("\n</tr></thead>\n<tbody>\n")
        for row, cells in self.rows:
            out.append(f'<tr>\n<th scope="row" class="{"total" if row.is_total else ""}">{escaped(row.label)}</th>\n')
            for cell in cells:
                auto_id = escaped(cell.field.auto_id)
                out.append(f'<td class="{"total" if cell.is_total else ""}">\n{cell.input_html}\n')
                if cell.errors:
                    errors = " ".join(escaped(e) for e in cell.errors)
                    out.append(f'<div class="invalid-feedback d-block" id="{auto_id}-error">{errors}</div>\n')
                if cell.previous is not None:
                    out.append(f'<div class="previous-value" id="{auto_id}-prev">{self.previous_year}: {cell.previous}</div>\n')
                if cell.sum_of:
                    out.append(f'<div class="computed-sum" aria-live="polite" data-total-for="{auto_id}"></div>\n')
                if cell.has_comment:
                    out.append(f'<span class="small text-body-secondary" title="{escaped(cell.comment.value())}">*</span>\n')
                out.append("</td>\n")
            out.append("</tr>\n")
        out.append("</tbody>\n</table>\n</div>\n")
        comments = escaped(gettext("Opmerkingen bij deze cijfers (worden voetnoten)"))  # not in the f-string: xgettext
        out.append(f'<details class="mb-2"><summary class="small">{comments}</summary>\n<div class="row g-2 mt-1">\n')
        for __, cells in self.rows:
            for cell in cells:
                out.append(
                    f'<div class="col-md-6"><label class="form-label small mb-0" for="{escaped(cell.comment.auto_id)}">'
                    f'{escaped(cell.comment.label)}</label>{cell.comment_html}</div>\n'
                )
        out.append("</div>\n</details>")
        return mark_safe("".join(out))  # noqa: S308 (every value above is escaped or already safe)


class SubmissionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, context: FormContext, read_only: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.context = context
        self.fields["version"].initial = context.submission.version
        values = context.values
        for name, prototype, cell, part in self._prototypes(context):
            # A shallow copy: the field's own initial and disabled flag, the widget and messages shared.
            f = copy.copy(prototype)
            value: Value | None = values.get(cell)
            if value is None:
                f.initial = ""
            elif part == "comment":
                f.initial = value.comment
            elif part == "text":
                f.initial = value.text
            else:
                f.initial = "" if value.number is None else str(value.number)
            self.fields[name] = f
        if read_only:
            for f in self.fields.values():
                f.disabled = True

    @classmethod
    def _prototypes(cls, context: FormContext) -> list[tuple[str, forms.Field, CellId, str]]:
        """Every cell's fields without their initial values: (name, field, cell, which value it holds).

        Built once per catalogue and language (the labels are translated strings): two hundred
        fields with their widgets were a tenth of the form page and of every save.
        """
        language = translation.get_language()
        catalogue = context.catalogue
        # Kept only for a context showing exactly its catalogue's grids (a caller may have dropped some).
        shared = catalogue is not None and context.grids.keys() == catalogue.grids.keys() and all(
            context.grids[code] is grid for code, grid in catalogue.grids.items()
        )
        kept = catalogue.field_prototypes if shared else {}
        if language in kept:
            return kept[language]
        built = []
        for code, grid in context.grids.items():
            indicator = grid.indicator
            part = {Indicator.Kind.TEXT: "text", Indicator.Kind.BOOLEAN: "boolean"}.get(indicator.kind, "count")
            for key in grid.keys():
                cell = (code, *key)
                built.append((field_name("v", cell), cls._value_field(indicator, grid, key), cell, part))
                if indicator.kind == Indicator.Kind.COUNT:
                    built.append((field_name("c", cell), forms.CharField(
                        required=False,
                        max_length=1000,
                        error_messages={
                            "max_length": _("Houd de opmerking korter dan 1.000 tekens."),
                            "null_characters_not_allowed": _("De tekst bevat een onzichtbaar nul-teken; haal het weg (typ de tekst opnieuw)."),
                        },
                        label=_("Opmerking bij %(cell)s") % {"cell": grid.label_of(key)},
                        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
                    ), cell, "comment"))
        kept[language] = built
        return built

    @staticmethod
    def _value_field(indicator: Indicator, grid: Grid, key) -> forms.Field:
        if indicator.kind == Indicator.Kind.TEXT:
            return forms.CharField(
                label=indicator.label,
                help_text=indicator.help_text,
                required=False,
                max_length=10_000,
                widget=forms.Textarea(attrs={"rows": 4}),
                error_messages={
                    "max_length": _("Houd de tekst korter dan 10.000 tekens."),
                    "null_characters_not_allowed": _("De tekst bevat een onzichtbaar nul-teken; haal het weg (typ de tekst opnieuw)."),
                },
            )
        if indicator.kind == Indicator.Kind.BOOLEAN:
            return forms.TypedChoiceField(
                label=indicator.label,
                help_text=indicator.help_text,
                required=False,
                choices=[("", _("Onbekend")), ("1", _("Ja")), ("0", _("Nee"))],
                coerce=int,
                empty_value=None,
                error_messages={"invalid_choice": _("Kies ja, nee of onbekend.")},
            )
        label = grid.label_of(key) if not grid.is_single else indicator.label
        attrs = {
            "class": "form-control form-control-sm",
            "inputmode": "numeric",
            "autocomplete": "off",
            "data-indicator": indicator.code,
        }
        if not grid.is_single:
            # Screen readers read "row, column", also for a single-column table ("Vrouw, Aantal").
            attrs["aria-label"] = label if grid.has_cols else f"{label}, {grid.cols[0].label}"
        return CountField(
            label=label,
            help_text=indicator.help_text if grid.is_single else "",
            widget=forms.TextInput(attrs=attrs),
        )

    def clean_version(self) -> int:
        # No page can have seen a version newer than the stored one: a tampered field, refused.
        version = self.cleaned_data["version"]
        if version > self.context.submission.version:
            raise forms.ValidationError(_("Deze pagina hoort bij een onbekende versie. Laad de pagina opnieuw."))
        return version

    # -- results -------------------------------------------------------------------------------

    def cell_inputs(self) -> dict[CellId, CellInput]:
        data = self.cleaned_data
        result: dict[CellId, CellInput] = {}
        for code, grid in self.context.grids.items():
            for key in grid.keys():
                cell = (code, *key)
                raw = data.get(field_name("v", cell))
                comment = data.get(field_name("c", cell), "") or ""
                if grid.indicator.kind == Indicator.Kind.TEXT:
                    result[cell] = CellInput(text=raw or "", comment=comment)
                else:
                    result[cell] = CellInput(number=raw, comment=comment)
        return result

    def figures(self):
        """The counts as typed (valid ones), falling back to stored values for invalid fields."""
        stored = self.context.figures()
        if not self.is_bound:
            return stored
        cleaned = getattr(self, "cleaned_data", {})
        figures = dict(stored)
        for code, grid in self.context.grids.items():
            if grid.indicator.kind != Indicator.Kind.COUNT:
                continue
            for key in grid.keys():
                name = field_name("v", (code, *key))
                if name in cleaned:
                    figures[(code, *key)] = cleaned[name]
        return figures

    # -- layout for the template ---------------------------------------------------------------

    def layout(
        self, findings, *, explanation_text: dict[str, str] | None = None,
        explanation_errors: dict[str, str] | None = None, read_only: bool = False,
    ) -> list[tuple]:
        previous = self.context.previous_values
        previous_year = self.context.previous.edition.year if self.context.previous else None
        by_indicator: dict[str, list] = {}
        for finding in findings:
            by_indicator.setdefault(finding.indicator_code, []).append(finding)
        sections = []
        for section, grids in self.context.sections:
            views = []
            for grid in grids:
                code = grid.indicator.code
                view = GridView(grid=grid, rows=[], findings=by_indicator.get(code, []), previous_year=previous_year)
                if grid.indicator.kind != Indicator.Kind.COUNT or grid.is_single:
                    view.single = self[field_name("v", (code, "", ""))]
                    prev = previous.get((code, "", ""))
                    view.previous_text = "" if prev is None else (prev.text or ("" if prev.number is None else str(prev.number)))
                    if grid.indicator.kind == Indicator.Kind.COUNT:
                        view.rows = [(grid.rows[0], [self._cell_view(grid, grid.rows[0], grid.cols[0], previous)])]
                else:
                    for row in grid.rows:
                        view.rows.append((row, [self._cell_view(grid, row, col, previous) for col in grid.cols]))
                view.findings_html = _findings_html(
                    view.findings, texts=explanation_text or {}, errors=explanation_errors or {}, read_only=read_only
                )
                views.append(view)
            sections.append((section, views))
        return sections

    def _cell_view(self, grid: Grid, row: Axis, col: Axis, previous) -> CellView:
        code = grid.indicator.code
        cell = (code, row.code, col.code)
        bound = self[field_name("v", cell)]
        prev = previous.get(cell)
        attrs = dict(bound.field.widget.attrs)
        errors = [str(e) for e in bound.errors]
        described = []
        if errors:
            described.append(f"{bound.auto_id}-error")
            attrs["aria-invalid"] = "true"
            attrs["class"] = "form-control form-control-sm is-invalid"
        if prev is not None and prev.number is not None:
            described.append(f"{bound.auto_id}-prev")
        if described:
            attrs["aria-describedby"] = " ".join(described)
        sum_of = []
        for total_key, parts in grid.totals:
            if total_key == (row.code, col.code):
                sum_of = [f"id_{field_name('v', (code, *p))}" for p in parts]
                attrs["data-sum-of"] = " ".join(sum_of)
                break
        comment = self[field_name("c", cell)]
        comment_value = comment.value()
        return CellView(
            cell=cell,
            axis_row=row,
            axis_col=col,
            field=bound,
            comment=comment,
            previous=prev.number if prev is not None else None,
            has_comment=bool(comment_value),
            sum_of=sum_of,
            # Written here rather than by the widget templates: a police form has 132 inputs, and
            # rendering each through the template engine was most of the page's time.
            input_html=_text_input(bound, bound.value(), attrs),
            comment_html=_text_input(comment, comment_value, comment.field.widget.attrs),
            errors=errors,
        )


def _findings_html(findings, *, texts: dict[str, str], errors: dict[str, str], read_only: bool) -> SafeString:
    """An indicator's findings, each warning with its explanation field, as the form page shows them.

    Written here for the same reason as the tables: an unchecked police form has some 70 warnings.
    """
    out = []
    for f in findings:
        key = escaped(f.key)
        kind = "alert-danger" if f.is_error else "alert-warning"
        word = gettext("Fout") if f.is_error else gettext("Waarschuwing")
        out.append(
            f'<div class="alert {kind} py-2 mb-2 finding" data-finding="{key}">\n'
            f"<div><strong>{escaped(word)}:</strong> {escaped(f.message)}</div>\n"
        )
        if not f.is_error:
            error = errors.get(f.key, "")
            label = escaped(gettext("Toelichting (nodig om in te dienen)"))
            out.append(
                f'<label class="form-label small mt-1 mb-0" for="x-{key}">{label}</label>\n'
                f'<textarea class="form-control form-control-sm{" is-invalid" if error else ""}" rows="2" id="x-{key}" '
                f'name="x-{key}" maxlength="2000"'
                + (f' aria-invalid="true" aria-describedby="x-{key}-error"' if error else "")
                + (" disabled" if read_only else "")
                + f">{escaped(texts.get(f.key, ''))}</textarea>\n"
            )
            if error:
                out.append(f'<div class="invalid-feedback d-block" id="x-{key}-error">{escaped(error)}</div>\n')
        out.append("</div>\n")
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)


def _text_input(bound: forms.BoundField, value, attrs: dict) -> SafeString:
    """`<input type="text">` as Django's TextInput writes it (same attributes, escaped the same way)."""
    parts = [f'<input type="text" name="{html.escape(str(bound.html_name))}"']
    if value not in (None, ""):
        parts.append(f' value="{html.escape(str(value))}"')
    for key, val in attrs.items():
        if val is True:
            parts.append(f" {key}")
        elif val not in (False, None):
            parts.append(f' {key}="{html.escape(str(val))}"')
    if bound.field.disabled:
        parts.append(" disabled")
    parts.append(f' id="{html.escape(str(bound.auto_id))}">')
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


MAX_EXPLANATION_LENGTH = 2000  # as the textarea's maxlength, and the Excel template's explanation cells


def explanation_field() -> forms.CharField:
    """One warning's explanation: the same limits and validators wherever it is typed (web or Excel)."""
    return forms.CharField(
        required=False,
        max_length=MAX_EXPLANATION_LENGTH,
        label=_("Toelichting"),
        error_messages={
            "max_length": _("Houd de toelichting korter dan 2.000 tekens (nu %(show_value)d)."),
            "null_characters_not_allowed": _("De tekst bevat een onzichtbaar nul-teken; haal het weg (typ de tekst opnieuw)."),
        },
    )


# One field copied for every warning: its label and messages are lazy, so any language may share it.
_EXPLANATION_FIELD = explanation_field()


class ExplanationsForm(forms.Form):
    """The explanations (`x-<warning key>`) posted with the submission form, one field per warning."""

    def __init__(self, data=None, *, keys: list[str]) -> None:
        super().__init__(data)
        for key in keys:
            self.fields[f"x-{key}"] = copy.copy(_EXPLANATION_FIELD)

    def texts(self) -> dict[str, str]:
        return {name[2:]: value for name, value in self.cleaned_data.items()}

    def errors_by_key(self) -> dict[str, str]:
        return {name[2:]: " ".join(errors) for name, errors in self.errors.items()}
