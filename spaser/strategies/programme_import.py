"""Reads the purchase-programme spreadsheets buyers really keep (pure: bytes and lookups in, a preview out).

The header row is searched among the first rows (titles, logos and blank lines often come first); columns are
mapped by French synonyms whatever their accents or case; amounts written as text ("1 234,56 €", "12k€")
are read; every invalid row is reported with its spreadsheet line number. Nothing is written here:
services.programme_entries_import creates the entries once the user has confirmed the preview.
"""

import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from spaser.core.parse_errors import spreadsheet_error_french
from spaser.referentiel import cpv
from spaser.referentiel.enums import ContractNature
from spaser.strategies.numbers import NumberError, parse_french_number

HEADER_SEARCH_ROWS = 15
MAX_ROWS = 5000

FIELD_LABELS = {
    "subject": "Objet",
    "direction": "Direction",
    "cpv_code": "Code CPV",
    "family": "Famille d'achat",
    "estimated_amount": "Montant estimé HT",
    "nature": "Nature",
    "planned_launch_date": "Date de lancement",
    "planned_quarter": "Trimestre",
    "year": "Année",
    "is_recurrent": "Récurrent",
    "is_renewal": "Renouvellement",
    "previous_contract": "Marché renouvelé",
}
# Synonyms as they appear once normalised (no accents, lower case, punctuation as spaces).
SYNONYMS = {
    "subject": [
        "objet",
        "objet du marche",
        "objet de l achat",
        "objet du besoin",
        "intitule",
        "libelle",
        "designation",
    ],
    "direction": ["direction", "service", "direction operationnelle", "direction prescriptrice", "service demandeur"],
    "cpv_code": ["cpv", "code cpv", "codes cpv", "code cpv principal"],
    "family": ["famille", "famille d achat", "famille achat", "famille d achats", "segment"],
    "estimated_amount": [
        "montant",
        "montant ht",
        "montant estime",
        "montant estime ht",
        "montant previsionnel",
        "montant previsionnel ht",
        "estimation",
        "estimation ht",
        "budget",
        "valeur estimee",
    ],
    "nature": ["nature", "nature du marche", "type de marche", "nature de l achat"],
    "planned_launch_date": [
        "date de lancement",
        "lancement",
        "date lancement",
        "date de lancement prevue",
        "date previsionnelle de lancement",
        "lancement prevu",
    ],
    "planned_quarter": ["trimestre", "trimestre de lancement", "trimestre lancement", "periode de lancement"],
    "year": ["annee", "exercice", "annee de lancement"],
    "is_recurrent": ["recurrent", "recurrence", "achat recurrent"],
    "is_renewal": ["renouvellement", "renouvellement d un marche", "reconduction", "marche a renouveler"],
    "previous_contract": ["marche precedent", "marche renouvele", "marche actuel", "reference du marche actuel"],
}
REQUIRED_FIELDS = ("subject", "estimated_amount")
NATURES = {
    "travaux": ContractNature.WORKS,
    "trx": ContractNature.WORKS,
    "fournitures": ContractNature.SUPPLIES,
    "fourniture": ContractNature.SUPPLIES,
    "fcs": ContractNature.SUPPLIES,
    "services": ContractNature.SERVICES,
    "service": ContractNature.SERVICES,
    "prestations": ContractNature.SERVICES,
    "prestation": ContractNature.SERVICES,
    "prestations de services": ContractNature.SERVICES,
    "concession": ContractNature.CONCESSION,
}
TRUE_WORDS = {"oui", "o", "x", "1", "vrai", "true", "yes"}
FALSE_WORDS = {"non", "n", "0", "faux", "false", "no", ""}
_QUARTER = re.compile(r"^(?:t|q|trimestre)?\s*([1-4])\s*(?:er|e|eme|trimestre|t)?\s*(?:trimestre)?(?:\s+\d{4})?$")
_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


def normalise(text) -> str:
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    return " ".join(text.split())


_LOOKUP = {synonym: name for name, synonyms in SYNONYMS.items() for synonym in synonyms}
# Headers often carry units or notes ("Montant estimé (€ HT)", "Objet du marché *"): longest synonym inside wins.
_BY_LENGTH = sorted(_LOOKUP.items(), key=lambda item: -len(item[0]))


def field_for_header(header) -> str | None:
    text = normalise(header)
    if not text:
        return None
    if text in _LOOKUP:
        return _LOOKUP[text]
    padded = f" {text} "
    for synonym, name in _BY_LENGTH:
        if len(synonym) >= 5 and f" {synonym} " in padded:
            return name
    return None


@dataclass
class Column:
    index: int
    header: str
    field: str | None

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)

    @property
    def field_label(self) -> str:
        return FIELD_LABELS.get(self.field, "")


@dataclass
class RowResult:
    line: int
    data: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass
class Preview:
    sheet: str = ""
    header_line: int | None = None
    columns: list[Column] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # file-level problems: nothing can be imported

    @property
    def mapped(self) -> list[Column]:
        return [column for column in self.columns if column.field]

    @property
    def unmapped(self) -> list[Column]:
        return [column for column in self.columns if not column.field and column.header]

    @property
    def valid_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.is_valid]

    @property
    def invalid_rows(self) -> list[RowResult]:
        return [row for row in self.rows if not row.is_valid]

    @property
    def missing_fields(self) -> list[str]:
        mapped = {column.field for column in self.mapped}
        return [FIELD_LABELS[name] for name in REQUIRED_FIELDS if name not in mapped]


@dataclass
class Lookups:
    """What the rows are matched against: the organisation's directions and the référentiel's families."""

    directions: dict[str, int] = field(default_factory=dict)  # normalised code or name → id
    families: dict[str, int] = field(default_factory=dict)  # normalised code or label → id
    family_natures: dict[int, str] = field(default_factory=dict)
    cpv_family: object = None  # callable: 8-digit code → family id or None


def read_rows(content: bytes) -> tuple[str, list[list]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for index, row in enumerate(sheet.iter_rows(values_only=True)):
            if index >= MAX_ROWS + HEADER_SEARCH_ROWS:
                break
            rows.append(list(row))
        return sheet.title, rows
    finally:
        workbook.close()


def find_header(rows: list[list]) -> int | None:
    """The index of the row among the first ones that names the most known columns (subject and amount at least)."""
    best, best_score = None, 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        fields = {field_for_header(value) for value in row if value is not None}
        fields.discard(None)
        if not set(REQUIRED_FIELDS) <= fields:
            continue
        if len(fields) > best_score:
            best, best_score = index, len(fields)
    return best


def preview(content: bytes, *, lookups: Lookups, default_year: int) -> Preview:
    result = Preview()
    try:
        result.sheet, rows = read_rows(content)
    except Exception as error:  # openpyxl raises many types on a damaged or non-xlsx file
        result.errors.append(
            f"Le fichier n'a pas pu être lu comme un classeur Excel (.xlsx) : {spreadsheet_error_french(error)}."
        )
        return result
    header_index = find_header(rows)
    if header_index is None:
        result.errors.append(
            f"Aucune ligne d'en-tête trouvée dans les {HEADER_SEARCH_ROWS} premières lignes : il faut au moins "
            "une colonne « Objet » et une colonne « Montant »."
        )
        return result
    result.header_line = header_index + 1
    seen = set()
    for index, value in enumerate(rows[header_index]):
        header = "" if value is None else str(value).strip()
        name = field_for_header(header)
        if name in seen:
            name = None  # a second column for the same field stays unmapped (and is shown as such)
        if name:
            seen.add(name)
        result.columns.append(Column(index, header, name))
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if all(value is None or str(value).strip() == "" for value in row):
            continue
        raw = {
            column.field: row[column.index] if column.index < len(row) else None
            for column in result.columns
            if column.field
        }
        result.rows.append(clean_row(offset, raw, lookups=lookups, default_year=default_year))
    if not result.rows:
        result.errors.append("Le tableau ne contient aucune ligne sous l'en-tête.")
    return result


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    for pattern in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"date impossible ou illisible : « {text} » (attendu JJ/MM/AAAA)")


def _bool(value, label) -> bool:
    if isinstance(value, bool):
        return value
    text = normalise(value)
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"{label} : « {_text(value)} » n'est ni oui ni non")


def clean_row(line: int, raw: dict, *, lookups: Lookups, default_year: int) -> RowResult:
    row = RowResult(line=line, raw={name: _text(value) for name, value in raw.items()})
    data, errors = row.data, row.errors

    data["subject"] = _text(raw.get("subject"))[:255]
    if not data["subject"]:
        errors.append("objet manquant")

    try:
        amount = parse_french_number(raw.get("estimated_amount"))
    except NumberError as error:
        errors.append(f"montant : {error}")
    else:
        if amount is None:
            errors.append("montant manquant")
        elif amount <= 0:
            errors.append(f"montant : {_text(raw.get('estimated_amount'))} n'est pas strictement positif")
        else:
            data["estimated_amount"] = amount.quantize(Decimal("0.01"))

    family_id = None
    code_text = _text(raw.get("cpv_code"))
    data["cpv_code"] = ""
    if code_text:
        code = cpv.normalise(code_text)
        if code is None or code not in cpv.nomenclature():
            errors.append(f"code CPV inconnu : « {code_text} »")
        else:
            data["cpv_code"] = code
            family_id = lookups.cpv_family(code) if lookups.cpv_family else None

    family_text = _text(raw.get("family"))
    if family_text:
        found = lookups.families.get(normalise(family_text))
        if found is None:
            errors.append(f"famille d'achat inconnue : « {family_text} »")
        else:
            family_id = found
    data["family_id"] = family_id

    direction_text = _text(raw.get("direction"))
    data["direction_id"] = None
    if direction_text:
        found = lookups.directions.get(normalise(direction_text))
        if found is None:
            errors.append(f"direction inconnue : « {direction_text} »")
        data["direction_id"] = found

    nature_text = normalise(raw.get("nature"))
    if nature_text:
        nature = NATURES.get(nature_text)
        if nature is None:
            errors.append(f"nature inconnue : « {_text(raw.get('nature'))} » (travaux, fournitures ou services)")
    else:
        nature = lookups.family_natures.get(family_id)
        if nature is None:
            errors.append("nature manquante (et aucune famille ne permet de la déduire)")
    data["nature"] = nature

    data["planned_launch_date"] = None
    if _text(raw.get("planned_launch_date")):
        try:
            data["planned_launch_date"] = _date(raw.get("planned_launch_date"))
        except ValueError as error:
            errors.append(str(error))

    data["planned_quarter"] = None
    quarter_text = normalise(raw.get("planned_quarter"))
    if quarter_text:
        match = _QUARTER.match(quarter_text)
        if match is None:
            errors.append(f"trimestre illisible : « {_text(raw.get('planned_quarter'))} » (ex. T1, 2e trimestre)")
        else:
            data["planned_quarter"] = int(match.group(1))

    year_text = _text(raw.get("year"))
    if year_text:
        if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
            errors.append(f"année illisible : « {year_text} »")
        else:
            data["year"] = int(year_text)
    launch = data["planned_launch_date"]
    if "year" not in data:
        data["year"] = launch.year if launch else default_year
    if launch and launch.year != data["year"]:
        errors.append(f"la date de lancement ({launch:%d/%m/%Y}) ne tombe pas en {data['year']}")
    if launch and not 2000 <= launch.year <= 2100:
        errors.append(f"date de lancement peu plausible : {launch:%d/%m/%Y}")

    for name, label in (("is_recurrent", "récurrent"), ("is_renewal", "renouvellement")):
        try:
            data[name] = _bool(raw.get(name), label) if name in raw else False
        except ValueError as error:
            errors.append(str(error))
    data["previous_contract"] = _text(raw.get("previous_contract"))[:100]
    if data["previous_contract"] and not data.get("is_renewal"):
        data["is_renewal"] = True
    return row
