"""Check an uploaded workbook and turn it into cells to save (see the package's docstring)."""


import datetime
import io
import math
import warnings
import zipfile
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedElementTree
from django import forms as django_forms
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from apps.submissions.forms import CountField, explanation_field
from apps.submissions.models import Indicator, Submission
from apps.submissions.selectors import CellId, FormContext, load_form_context
from apps.submissions.services import CellInput
from apps.submissions.workbook.layout import (
    FORMAT_VERSION,
    MAX_TEXT_LENGTH,
    EXPLANATION_FIRST_ROW,
    EXPLANATION_SHEET,
    META_SHEET,
    SIGNATURE_KEY,
    InputCell,
    Normal,
    cell_fingerprint,
    display,
    input_cells,
    meta_digest,
    normal_text,
    plan,
    read_signature,
    stored_normal,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_FROM_BYTES = 256 * 1024  # tiny members may compress extremely well; they are harmless
MAX_ZIP_MEMBERS = 2000
MAX_LISTED_ERRORS = 200


@dataclass
class UploadResult:
    errors: list[str] = field(default_factory=list)
    cells: dict[CellId, CellInput] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)  # warning key -> text typed in the file
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    base_version: int | None = None  # the submission's version the changes were computed against
    downloaded_version: int | None = None
    context: FormContext | None = None  # the form the file was checked against (None if refused before)

    @property
    def is_valid(self) -> bool:
        return not self.errors


class _Refused(Exception):
    """The file as a whole cannot be used; the message says why."""


def _read_limited(file) -> bytes:
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)
        if size is not None and size > MAX_UPLOAD_BYTES:
            raise _Refused(_too_big(size))
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _Refused(_too_big(len(data)))
    if not data:
        raise _Refused(_("Het bestand is leeg. Kies het ingevulde Excel-bestand (.xlsx)."))
    return data


def _too_big(size: int) -> str:
    return _(
        "Het bestand is te groot (%(size)s MB); de grens is %(max)s MB. Een ingevuld sjabloon is veel kleiner: "
        "download het sjabloon opnieuw en vul het in."
    ) % {"size": f"{size / 1024 / 1024:.1f}".replace(".", ","), "max": MAX_UPLOAD_BYTES // 1024 // 1024}


def _not_xlsx() -> str:
    return _(
        "Dit is geen Excel-bestand (.xlsx). Download het sjabloon van deze aanlevering, vul het in en sla het op "
        "als Excel-werkmap (.xlsx); een .xls-, .csv- of .ods-bestand werkt niet."
    )


def _broken() -> str:
    return _("Het bestand is beschadigd of geen geldig Excel-bestand. Sla het opnieuw op als Excel-werkmap (.xlsx) of download het sjabloon opnieuw.")


def _check_zip(data: bytes) -> None:
    """Refuse what is not an xlsx, and zip bombs, before any XML is parsed."""
    stream = io.BytesIO(data)
    if not zipfile.is_zipfile(stream):
        # A zip that lost its end (an interrupted download or copy) is broken, not foreign.
        raise _Refused(_broken() if data.startswith(b"PK\x03\x04") else _not_xlsx())
    bomb = _(
        "Het bestand wordt geweigerd: uitgepakt zou het onredelijk groot worden (meer dan %(max)s MB). "
        "Een ingevuld sjabloon is veel kleiner; download het sjabloon opnieuw."
    ) % {"max": MAX_UNCOMPRESSED_BYTES // 1024 // 1024}
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise _Refused(bomb)
            total = 0
            for info in members:
                total += info.file_size
                if total > MAX_UNCOMPRESSED_BYTES:
                    raise _Refused(bomb)
                if info.file_size >= RATIO_CHECK_FROM_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
                    info.compress_size, 1
                ):
                    raise _Refused(bomb)
            names = {info.filename for info in members}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise _Refused(_not_xlsx())
            # Read every member once (bounded by the declared sizes checked above): this verifies the
            # checksums, and every XML part is parsed by defusedxml, which refuses a DOCTYPE or an
            # entity whatever the encoding (a byte search misses UTF-16); a real workbook has neither.
            for info in members:
                with archive.open(info) as member:
                    if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                        _refuse_unsafe_xml(member)
                    else:
                        while member.read(64 * 1024):
                            pass
    except _Refused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, RuntimeError, ValueError):
        raise _Refused(_broken()) from None


def _refuse_unsafe_xml(member) -> None:
    try:
        for __, element in DefusedElementTree.iterparse(member, events=("end",), forbid_dtd=True):
            element.clear()  # keep memory flat: only the refusal matters here
    except DefusedXmlException:
        raise _Refused(
            _(
                "Het bestand wordt geweigerd: het bevat XML-constructies (DOCTYPE of entiteiten) die een Excel-werkmap "
                "nooit heeft. Download het sjabloon opnieuw en vul het in."
            )
        ) from None
    except DefusedElementTree.ParseError:
        raise _Refused(_broken()) from None


def _open(data: bytes, *, data_only: bool):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only, keep_links=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors on broken files
        raise _Refused(_broken()) from None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _read_meta(wb) -> tuple[dict[str, str], list[list[str]]]:
    if META_SHEET not in wb.sheetnames:
        raise _Refused(
            _(
                "Dit bestand is geen sjabloon van de Mensenhandelmonitor: het verborgen blad met de gegevens van de "
                "aanlevering ontbreekt. Download het sjabloon van deze aanlevering, vul dat in en upload het."
            )
        )
    ws = wb[META_SHEET]
    pairs: dict[str, str] = {}
    mapping: list[list[str]] = []
    in_mapping = False
    try:
        for row in ws.iter_rows(min_row=1, max_row=50_000, max_col=6, values_only=True):
            values = [_text(v) for v in row] + [""] * (6 - len(row))
            if not in_mapping:
                if values[0] == "address":
                    in_mapping = True
                elif values[0]:
                    pairs[values[0]] = values[1]
            elif values[0]:
                mapping.append(values[:6])
    except Exception:  # noqa: BLE001 - read-only sheets parse lazily: broken XML surfaces here
        raise _Refused(_broken()) from None
    return pairs, mapping


def _check_meta(submission: Submission, pairs: dict[str, str], mapping: list[list[str]], cells: list[InputCell]) -> int:
    """Check the file belongs to this submission and its layout; return the version at download."""
    if pairs.get("format") != FORMAT_VERSION:
        raise _Refused(
            _("Dit sjabloon heeft een onbekende of verouderde opmaak. Download een nieuw sjabloon van deze aanlevering.")
        )
    mismatches = []
    if pairs.get("form") != submission.form.code:
        mismatches.append(_("een ander formulier"))
    if pairs.get("organisation") != submission.organisation.slug:
        mismatches.append(_("een andere organisatie"))
    if pairs.get("edition") != str(submission.edition.year):
        mismatches.append(_("een andere editie"))
    if not mismatches and pairs.get("submission") != str(submission.pk):
        mismatches.append(_("een andere aanlevering"))
    if mismatches:
        what = mismatches[0] if len(mismatches) == 1 else ", ".join(mismatches[:-1]) + _(" en ") + mismatches[-1]
        raise _Refused(
            _(
                "Dit sjabloon hoort bij %(what)s: het is van %(their_org)s, formulier ‘%(their_form)s’, editie "
                "%(their_year)s. Deze aanlevering is van %(org)s, formulier ‘%(form)s’, editie %(year)s. Download "
                "het sjabloon van deze aanlevering en upload dat; er is niets gewijzigd."
            )
            % {
                "what": what,
                "their_org": pairs.get("organisation_name") or pairs.get("organisation") or "?",
                "their_form": pairs.get("form_title") or pairs.get("form") or "?",
                "their_year": pairs.get("edition") or "?",
                "org": submission.organisation.name,
                "form": submission.form.title,
                "year": submission.edition.year,
            }
        )
    expected = [[c.address, c.cell[0], c.cell[1], c.cell[2], c.kind] for c in cells]
    if [m[:5] for m in mapping] != expected:
        raise _Refused(
            _(
                "Dit sjabloon past niet meer bij het formulier: het formulier is gewijzigd sinds het downloaden, of "
                "het sjabloon is aangepast. Download een nieuw sjabloon en neem uw cijfers daarin over."
            )
        )
    # Only what the site signed counts: the version (the conflict check depends on it), the
    # submission and the map of written values; the plain copies in _meta are for people.
    signed = read_signature(pairs.get(SIGNATURE_KEY, ""))
    if (
        signed is None
        or signed.get("s") != submission.pk
        or signed.get("m") != meta_digest(mapping)
        or not isinstance(signed.get("v"), int)
        or str(signed["v"]) != pairs.get("version")
    ):
        raise _Refused(
            _(
                "De verborgen gegevens van dit sjabloon zijn na het downloaden gewijzigd, dus kan niet worden "
                "nagegaan bij welke versie het hoort. Download een nieuw sjabloon van deze aanlevering en neem uw "
                "cijfers daarin over; er is niets gewijzigd."
            )
        )
    return signed["v"]


def _read_explanations(wb) -> list[tuple[int, str, object, str]]:
    """(row, warning key, typed value, fingerprint as written) of the explanation sheet, if present."""
    if EXPLANATION_SHEET not in wb.sheetnames:
        return []
    rows = []
    try:
        for r, row in enumerate(
            wb[EXPLANATION_SHEET].iter_rows(min_row=EXPLANATION_FIRST_ROW, max_row=EXPLANATION_FIRST_ROW + 2000, max_col=5, values_only=True),
            start=EXPLANATION_FIRST_ROW,
        ):
            row = tuple(row) + (None,) * (5 - len(row))
            if row[3]:
                rows.append((r, _text(row[3]), row[2], _text(row[4])))
    except Exception:  # noqa: BLE001 - read-only sheets parse lazily: broken XML surfaces here
        raise _Refused(_broken()) from None
    return rows


def _check_explanations(result: UploadResult, context: FormContext, rows, downloaded: int, errors: list[str]) -> None:
    """Explanations typed in the file, checked with the web form's field (same limits and validators)."""
    warnings = {f.key: f for f in context.findings(figures_after(context, result.cells)) if not f.is_error}
    check = explanation_field()
    for r, key, raw, written in rows:
        where = _("Blad '%(sheet)s', cel C%(row)s") % {"sheet": EXPLANATION_SHEET, "row": r}
        try:
            text = check.clean(normal_text(_text(raw)))
        except django_forms.ValidationError as error:
            errors.append(f"{where}: {_messages(error)}")
            continue
        if cell_fingerprint(Indicator.Kind.TEXT, text) == written:
            continue  # left as downloaded
        stored = context.explanations.get(key)
        current = stored.text if stored else ""
        if text == current:
            continue
        if key not in warnings:
            result.notes.append(
                _("%(where)s: deze waarschuwing is er niet (meer), dus de toelichting is niet overgenomen.") % {"where": where}
            )
            continue
        if stored is not None and stored.changed_in_version > downloaded:
            errors.append(
                f"{where}: "
                + _("deze toelichting is na het downloaden door iemand anders gewijzigd. Kies de juiste tekst in het webformulier.")
            )
            continue
        result.explanations[key] = text
        result.changes.append(
            (_("Toelichting: %(m)s") % {"m": warnings[key].message}, display(Indicator.Kind.TEXT, current), display(Indicator.Kind.TEXT, text))
        )


def _sheet_values(wb, cells: list[InputCell], *, formulas: bool) -> dict[str, object]:
    """{address: value} (or, with formulas=True, {address: True} for cells holding a formula)."""
    by_sheet: dict[str, dict[tuple[int, int], InputCell]] = {}
    for cell in cells:
        ws_cells = by_sheet.setdefault(cell.sheet, {})
        r, c = _split(cell.coordinate)
        ws_cells[(r, c)] = cell
    result: dict[str, object] = {}
    for title, wanted in by_sheet.items():
        if title not in wb.sheetnames:
            raise _Refused(
                _(
                    "Blad '%(sheet)s' ontbreekt in het bestand. Bladen mogen niet worden hernoemd of verwijderd; "
                    "download een nieuw sjabloon."
                )
                % {"sheet": title}
            )
        ws = wb[title]
        max_row = max(r for r, __ in wanted)
        max_col = max(c for __, c in wanted)
        try:
            for r, row in enumerate(ws.iter_rows(min_row=1, max_row=max_row, min_col=1, max_col=max_col), start=1):
                for c, cell in enumerate(row, start=1):
                    target = wanted.get((r, c))
                    if target is None:
                        continue
                    if formulas:
                        result[target.address] = getattr(cell, "data_type", None) == "f"
                    else:
                        result[target.address] = cell.value
        except Exception:  # noqa: BLE001 - read-only sheets parse lazily: broken XML surfaces here
            raise _Refused(_broken()) from None
    return result


def _split(coordinate: str) -> tuple[int, int]:
    letters, row = coordinate_from_string(coordinate)
    return row, column_index_from_string(letters)


_count_field = CountField()


def _parse_value(kind: str, value) -> Normal:
    """Parse one cell with the web form's rules; raises ValidationError with the web form's message."""
    if kind != Indicator.Kind.TEXT and isinstance(value, str) and value.strip() in ERROR_CODES:
        raise django_forms.ValidationError(_("De cel bevat een Excel-foutwaarde (%(v)s). Vul een getal in.") % {"v": value})
    if kind == Indicator.Kind.TEXT:
        text = normal_text(_text(value))
        if len(text) > MAX_TEXT_LENGTH:
            raise django_forms.ValidationError(_("Houd de tekst korter dan 10.000 tekens."))
        return text
    if kind == Indicator.Kind.BOOLEAN:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            return int(value)
        word = _text(value).strip().lower()
        if word in {"ja", "yes", "1", "waar", "true"}:
            return 1
        if word in {"nee", "no", "0", "onwaar", "false"}:
            return 0
        raise django_forms.ValidationError(_("Kies Ja of Nee, of laat de cel leeg als het onbekend is."))
    if value is None:
        return None
    if isinstance(value, float) and math.isfinite(value):
        # Excel stores every number as a float: 12.0 is 12, 12.5 is not a whole number.
        raw = str(int(value)) if value.is_integer() else repr(value)
    else:
        raw = _text(value)
    return _count_field.to_python(raw)


def _messages(error: django_forms.ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


def parse_upload(submission: Submission, file) -> UploadResult:
    """Check an uploaded workbook against this submission; never writes anything."""
    result = UploadResult()
    try:
        data = _read_limited(file)
        _check_zip(data)
        context = load_form_context(submission)
        cells = input_cells(plan(context))
        wb = _open(data, data_only=True)
        try:
            pairs, mapping = _read_meta(wb)
            downloaded = _check_meta(submission, pairs, mapping, cells)
            values = _sheet_values(wb, cells, formulas=False)
            explanation_rows = _read_explanations(wb)
        finally:
            wb.close()
        wb = _open(data, data_only=False)
        try:
            has_formula = _sheet_values(wb, cells, formulas=True)
        finally:
            wb.close()
    except _Refused as refused:
        result.errors.append(str(refused))
        return result

    result.downloaded_version = downloaded
    result.base_version = submission.version
    result.context = context
    written = {m[0]: m[5] for m in mapping}
    kept: list[str] = []
    errors: list[str] = []
    for cell in cells:
        value = values.get(cell.address)
        if has_formula.get(cell.address) and value is None:
            errors.append(
                f"{cell.where()}: "
                + _("de cel bevat een formule zonder berekende uitkomst. Typ het getal of de tekst zelf in.")
            )
            continue
        try:
            mine = _parse_value(cell.kind, value)
        except django_forms.ValidationError as error:
            errors.append(f"{cell.where()}: {_messages(error)}")
            continue
        if cell_fingerprint(cell.kind, mine) == written.get(cell.address):
            continue  # left as downloaded: what is stored now stays
        stored = context.values.get(cell.cell)
        current = stored_normal(cell.kind, stored)
        if mine == current:
            continue
        if stored is not None and stored.changed_in_version > downloaded:
            errors.append(
                f"{cell.where()}: "
                + _(
                    "is na het downloaden van het sjabloon door iemand anders gewijzigd in ‘%(now)s’, en in uw "
                    "bestand staat ‘%(mine)s’. Kies de juiste waarde in het webformulier, of download het sjabloon "
                    "opnieuw en vul deze cel daarin in."
                )
                % {"now": display(cell.kind, current), "mine": display(cell.kind, mine)}
            )
            continue
        comment = stored.comment if stored else ""
        if cell.kind == Indicator.Kind.TEXT:
            result.cells[cell.cell] = CellInput(text=str(mine), comment=comment)
        else:
            result.cells[cell.cell] = CellInput(number=mine, comment=comment)  # type: ignore[arg-type]
        result.changes.append((cell.label, display(cell.kind, current), display(cell.kind, mine)))

    _check_explanations(result, context, explanation_rows, downloaded, errors)
    if len(errors) > MAX_LISTED_ERRORS:
        hidden = len(errors) - MAX_LISTED_ERRORS
        errors = errors[:MAX_LISTED_ERRORS] + [_("… en nog %(n)s fouten.") % {"n": hidden}]
    result.errors = errors
    if errors:
        result.cells, result.changes, result.explanations = {}, [], {}
        return result
    if downloaded != submission.version:
        for cell in cells:
            stored = context.values.get(cell.cell)
            if stored is not None and stored.changed_in_version > downloaded and cell.cell not in result.cells:
                kept.append(cell.label)
        if kept:
            result.notes.append(
                _(
                    "Na het downloaden van het sjabloon zijn %(n)s cel(len) op de website gewijzigd die u in het bestand "
                    "niet hebt veranderd; die blijven zoals ze nu zijn: %(list)s."
                )
                % {"n": len(kept), "list": "; ".join(kept[:20]) + (" …" if len(kept) > 20 else "")}
            )
    return result


def figures_after(context: FormContext, cells: dict[CellId, CellInput]):
    """The counts as they would be after saving these cells (for the rules' findings in the preview)."""
    figures = dict(context.figures())
    for cell, given in cells.items():
        grid = context.grids.get(cell[0])
        if grid is not None and grid.indicator.kind == Indicator.Kind.COUNT:
            figures[cell] = given.number
    return figures
