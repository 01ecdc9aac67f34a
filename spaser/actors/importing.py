"""Partner lists (CSV/XLSX with a column mapping) and "API Recherche d'entreprises" JSON files.

Flow: upload (the file is read, nothing is imported) → column mapping → preview (each line: new actor,
merged, or rejected with reasons) → confirmation (only then are actors written). Rejected lines are kept.
Reading and normalising are pure functions; `actor_import_*` are the services.
"""

import csv
import datetime as dt
import io
import json
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from spaser.actors import geometry, services
from spaser.actors.enums import ImportFormat, ImportStatus, ImportStep, RowOutcome, SourceKind
from spaser.actors.loaders import clean_siret
from spaser.actors.models import ActorImport, ActorImportRow, Kind, Nature
from spaser.core.parse_errors import json_error_french, spreadsheet_error_french
from spaser.core.validators import normalize_siret, siret_error

logger = logging.getLogger(__name__)

MAX_ROWS = 20_000
PROGRESS_EVERY = 100  # lines between two progress reports
MAX_BYTES = 10 * 1024 * 1024
IGNORE = ""
TARGETS = {
    "name": "Nom de la structure",
    "siret": "SIRET",
    "address": "Adresse",
    "postcode": "Code postal",
    "city": "Commune",
    "commune_code": "Code INSEE de la commune",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "kinds": "Types d'acteur (codes ou libellés, séparés par ;)",
    "natures": "Déchets, objets, produits ou labels (séparés par ;)",
    "naf": "Code NAF (activité principale)",
    "website": "Site internet",
    "description": "Présentation",
}
SYNONYMS = {
    "name": {"nom", "nom structure", "raison sociale", "denomination", "structure", "name", "nom de la structure"},
    "siret": {"siret", "n siret", "numero siret", "siret etablissement"},
    "address": {"adresse", "address", "adresse postale", "rue"},
    "postcode": {"code postal", "cp", "post code", "postcode", "code_postal"},
    "city": {"ville", "commune", "city", "localite"},
    "commune_code": {"code insee", "code commune", "insee", "code commune insee"},
    "latitude": {"latitude", "lat", "y"},
    "longitude": {"longitude", "lon", "lng", "long", "x"},
    "kinds": {"type", "types", "statut", "statut structure", "kind", "categorie", "typologie"},
    "natures": {"dechets", "types de dechets", "categorie produits", "produits", "natures", "labels"},
    "naf": {"naf", "code naf", "ape", "code ape", "activite principale"},
    "website": {"site", "site internet", "site web", "website", "url"},
    "description": {"description", "presentation", "activite"},
}


class ImportFileError(ValueError):
    """The file cannot be read at all (its French message is shown to the user)."""


# --- Reading ----------------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("Encodage du fichier non reconnu (UTF-8 ou Windows-1252 attendu).")


def read_table(content: bytes, file_name: str) -> tuple[list[str], list[dict]]:
    """Headers and rows (dicts of strings) of a CSV (`,` `;` or tab) or XLSX file."""
    if len(content) > MAX_BYTES:
        raise ImportFileError("Fichier trop volumineux (10 Mo au plus).")
    if file_name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many types for a damaged file
            raise ImportFileError(f"Ce fichier XLSX est illisible : {spreadsheet_error_french(error)}.") from error
        lines = (
            [("" if cell is None else str(cell)) for cell in row]
            for row in workbook.active.iter_rows(values_only=True)
        )
    else:
        text = _decode(content)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        lines = csv.reader(io.StringIO(text), dialect)
    lines = iter(lines)
    headers = []
    for line in lines:  # the first non-empty line holds the headers
        if any(cell.strip() for cell in line):
            headers = [cell.strip() for cell in line]
            break
    if not headers:
        raise ImportFileError("Le fichier est vide.")
    rows = []
    for line in lines:
        if not any(str(cell).strip() for cell in line):
            continue
        rows.append({header: str(line[i]).strip() if i < len(line) else "" for i, header in enumerate(headers)})
        if len(rows) > MAX_ROWS:
            raise ImportFileError(f"Trop de lignes ({MAX_ROWS} au plus par fichier).")
    return headers, rows


def guess_mapping(headers: list[str]) -> dict[str, str]:
    mapping = {}
    used = set()
    for header in headers:
        folded = services.fold(header.replace("_", " "))
        target = next((t for t, words in SYNONYMS.items() if folded in words and t not in used), IGNORE)
        mapping[header] = target
        if target:
            used.add(target)
    return mapping


API_FLAGS = {"est_ess": ("kinds", "ess"), "est_bio": ("natures", "label:bio"), "est_rge": ("natures", "label:rge")}


def read_api_json(content: bytes) -> list[dict]:
    """Rows of a file shaped like the answer of recherche-entreprises.api.gouv.fr/search: values are already
    in the platform's keys (the mapping step does not apply)."""
    try:
        document = json.loads(_decode(content))
    except json.JSONDecodeError as error:
        raise ImportFileError(f"JSON illisible {json_error_french(error)}.") from error
    except RecursionError as error:  # the decoder recurses once per level of nesting
        raise ImportFileError("JSON illisible : objets ou tableaux imbriqués trop profondément.") from error
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, list):
        raise ImportFileError("Ce JSON n'a pas la forme de l'API Recherche d'entreprises (clé « results »).")
    rows = []
    for result in results[: MAX_ROWS + 1]:
        if not isinstance(result, dict):
            continue
        siege = result.get("siege") or {}
        complements = result.get("complements") or {}
        kinds, natures = [], []
        for flag, (target, code) in API_FLAGS.items():
            if complements.get(flag):
                (kinds if target == "kinds" else natures).append(code)
        if complements.get("est_siae"):
            kinds.append((complements.get("type_siae") or "").lower() or "siae")
        rows.append(
            {
                "name": result.get("nom_complet") or result.get("nom_raison_sociale") or "",
                "siret": siege.get("siret") or "",
                "address": siege.get("adresse") or "",
                "postcode": siege.get("code_postal") or "",
                "city": siege.get("libelle_commune") or "",
                "commune_code": siege.get("commune") or "",
                "latitude": siege.get("latitude") or "",
                "longitude": siege.get("longitude") or "",
                "kinds": ";".join(kinds),
                "natures": ";".join(natures),
                "naf": siege.get("activite_principale") or result.get("activite_principale") or "",
            }
        )
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"Trop de lignes ({MAX_ROWS} au plus par fichier).")
    return rows


# --- Normalising ------------------------------------------------------------------------------------


class Vocabulary:
    """Kinds and natures by code or label, folded (so that "Entreprise d'insertion", "EI" and "ei" match)."""

    def __init__(self):
        self.kinds = {}
        for kind in Kind.objects.all():
            # "Entreprise d'insertion (EI)" is also known as "Entreprise d'insertion" and "EI".
            short, _, acronym = kind.label.partition(" (")
            for word in (kind.code, kind.label, short, acronym.rstrip(")")):
                if word:
                    self.kinds.setdefault(services.fold(word), kind.code)
        self.natures = {}
        for nature in Nature.objects.all():
            key = f"{nature.axis}:{nature.code}"
            for word in (nature.code, nature.label, key):
                self.natures.setdefault(services.fold(word), key)
        self.naf_rules = services.naf_family_rules()
        self.nature_rules = services.nature_family_rules()


def _split(value: str) -> list[str]:
    return [part.strip() for part in str(value or "").replace("|", ";").replace(",", ";").split(";") if part.strip()]


def _coordinate(value) -> float | None:
    text = str(value or "").strip().replace(",", ".")
    return float(text) if text else None


def normalise_row(mapped: dict, vocabulary: Vocabulary, lookup, *, default_kinds=()) -> tuple[dict, list, list]:
    """(values, rejections, warnings) for one line whose keys are already the targets of TARGETS."""
    rejections, warnings = [], []
    name = " ".join(str(mapped.get("name") or "").split())
    if not name:
        rejections.append("Nom de la structure manquant.")
    siret = normalize_siret(mapped.get("siret") or "")
    if siret:
        if len(siret) == 13 and clean_siret(siret):
            siret = clean_siret(siret)  # a spreadsheet dropped the leading zero; the Luhn key confirms it
        elif error := siret_error(siret):
            rejections.append(f"SIRET « {siret} » invalide : {error}")
            siret = ""
    values = {
        "name": name,
        "siret": siret,
        "address": str(mapped.get("address") or "").strip(),
        "postcode": str(mapped.get("postcode") or "").strip(),
        "city": str(mapped.get("city") or "").strip(),
        "commune_code": str(mapped.get("commune_code") or "").strip(),
        "website": str(mapped.get("website") or "").strip(),
        "description": str(mapped.get("description") or "").strip(),
    }
    if values["website"] and not values["website"].startswith(("http://", "https://")):
        values["website"] = "https://" + values["website"]
    try:
        latitude, longitude = _coordinate(mapped.get("latitude")), _coordinate(mapped.get("longitude"))
    except ValueError:
        rejections.append("Coordonnées illisibles.")
        latitude = longitude = None
    if (latitude is None) != (longitude is None):
        rejections.append("Latitude sans longitude (ou l'inverse).")
    elif latitude is not None and not geometry.in_france(latitude, longitude):
        rejections.append(f"Coordonnées hors de France ({latitude}, {longitude}).")
    elif latitude is not None:
        values["latitude"], values["longitude"] = latitude, longitude
    commune = lookup.find(commune_code=values["commune_code"], postcode=values["postcode"], city=values["city"])
    if commune is None:
        if values["commune_code"] or values["postcode"] or values["city"]:
            rejections.append(
                "Commune introuvable dans la géographie officielle "
                f"(code {values['commune_code'] or '–'}, code postal {values['postcode'] or '–'}, "
                f"ville {values['city'] or '–'})."
            )
        else:
            rejections.append("Adresse sans commune (ni code INSEE, ni code postal, ni ville).")
    else:
        values["commune_code"] = commune.code
    kinds = set(default_kinds)
    for word in _split(mapped.get("kinds")):
        code = vocabulary.kinds.get(services.fold(word))
        if code:
            kinds.add(code)
        else:
            warnings.append(f"Type inconnu ignoré : « {word} ».")
    natures = set()
    for word in _split(mapped.get("natures")):
        key = vocabulary.natures.get(services.fold(word))
        if key:
            natures.add(key)
        else:
            warnings.append(f"Nature inconnue ignorée : « {word} ».")
    families = set(services.families_of_naf(mapped.get("naf", ""), vocabulary.naf_rules))
    for key in natures:
        families.update(vocabulary.nature_rules.get(key, []))
    values.update(kinds=sorted(kinds), natures=sorted(natures), families=sorted(families))
    return values, rejections, warnings


def external_id_of(values: dict) -> str:
    return (
        f"siret-{values['siret']}"
        if values.get("siret")
        else f"nom-{services.fold(values['name'])}|{values['commune_code']}"
    )


# --- Services ---------------------------------------------------------------------------------------


def actor_import_create(
    *,
    organisation,
    by,
    file_name: str,
    content: bytes,
    source_name: str,
    source_publisher: str,
    source_licence: str,
    source_date: dt.date,
    default_kinds: list[str],
) -> ActorImport:
    """Reads the file (raises ImportFileError) and stores its lines; nothing is imported yet."""
    is_json = file_name.lower().endswith(".json")
    if is_json:
        rows = read_api_json(content)
        headers = list(TARGETS)
        mapping = {target: target for target in TARGETS}
    else:
        headers, rows = read_table(content, file_name)
        mapping = guess_mapping(headers)
    batch = ActorImport.objects.create(
        organisation=organisation,
        created_by=by,
        file_name=file_name[:255],
        file_format=ImportFormat.API_JSON if is_json else ImportFormat.TABLE,
        source_name=source_name,
        source_publisher=source_publisher,
        source_licence=source_licence,
        source_date=source_date,
        default_kinds=default_kinds,
        headers=headers,
        mapping=mapping,
        rows=rows,
    )
    if is_json:  # no column mapping: the preview starts at once, in the worker
        actor_import_start(batch=batch, step=ImportStep.PREVIEW)
    return batch


def actor_import_start(*, batch: ActorImport, step: str, mapping: dict | None = None, by=None) -> ActorImport:
    """Hands the preview (with `mapping`) or the confirmation (by `by`) to the worker, once this transaction
    commits. Refused while another step of the batch runs, or once the batch left the preview."""
    from spaser.actors.tasks import actor_import_task

    updates = {"running": step, "error": ""}
    if mapping is not None:
        updates["mapping"] = mapping
    if by is not None:
        updates["confirmed_by"] = by
    claimed = ActorImport.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEW, running="").update(**updates)
    if not claimed:
        raise ValueError("Une étape de cet import est déjà en cours, ou l'import n'est plus en aperçu.")
    for name, value in updates.items():
        setattr(batch, name, value)
    transaction.on_commit(lambda: actor_import_task(batch.pk))
    return batch


def _source_code(batch: ActorImport) -> str:
    return f"{slugify(batch.source_name)[:60]}-{batch.source_date:%Y%m%d}"


@transaction.atomic
def actor_import_preview(*, batch: ActorImport, mapping: dict, on_progress=None) -> ActorImport:
    """Computes, for every line, what the confirmation would do. Writes only the verdicts, never actors."""
    if batch.status != ImportStatus.PREVIEW:
        raise ValueError("Cet import n'est plus en aperçu.")
    batch.mapping = mapping
    batch.save(update_fields=["mapping", "updated_at"])
    batch.lines.all().delete()
    vocabulary = Vocabulary()
    index = services.ActorIndex()
    from spaser.actors.models import Source

    source = Source.objects.filter(code=_source_code(batch)).first()
    seen: dict[str, int] = {}
    verdicts = []
    total = len(batch.rows)
    for number, raw in enumerate(batch.rows, start=2):  # line 1 holds the headers
        if on_progress and (number - 2) % PROGRESS_EVERY == 0:
            on_progress(number - 2, total)
        mapped = {}
        for header, target in mapping.items():
            if target and raw.get(header, "") != "":
                mapped[target] = raw.get(header)
        values, rejections, warnings = normalise_row(
            mapped, vocabulary, index.lookup, default_kinds=batch.default_kinds
        )
        matched = None
        if rejections:
            outcome = RowOutcome.REJECT
        else:
            key = external_id_of(values)
            if key in seen:
                outcome = RowOutcome.MERGE
                warnings.append(f"Doublon de la ligne {seen[key]} : les deux lignes décrivent le même acteur.")
            else:
                seen[key] = number
                matched = index.match(values, source=source, external_id=key)
                outcome = RowOutcome.MERGE if matched else RowOutcome.CREATE
                if matched:
                    rule = (
                        "même SIRET" if values["siret"] and matched.siret == values["siret"] else "même nom et commune"
                    )
                    warnings.append(f"Fusion avec « {matched.name} » ({rule}).")
        verdicts.append(
            ActorImportRow(
                batch=batch,
                line=number,
                outcome=outcome,
                reasons=rejections + warnings,
                values=values,
                raw=raw,
                matched_actor=matched,
            )
        )
    ActorImportRow.objects.bulk_create(verdicts)
    return batch


@transaction.atomic
def actor_import_confirm(*, batch: ActorImport, by, on_progress=None) -> ActorImport:
    """Writes the accepted lines (creations and merges) under a source carrying the licence and date."""
    batch = ActorImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.PREVIEW:
        raise ValueError("Cet import a déjà été confirmé ou abandonné.")
    source = services.source_ensure(
        code=_source_code(batch),
        name=batch.source_name,
        kind=SourceKind.API if batch.file_format == ImportFormat.API_JSON else SourceKind.PARTNER,
        publisher=batch.source_publisher,
        licence=batch.source_licence,
        data_date=batch.source_date,
        note=f"Fichier « {batch.file_name} » importé par {by}.",
    )
    index = services.ActorIndex()
    accepted = batch.lines.exclude(outcome=RowOutcome.REJECT).order_by("line")
    total = accepted.count()
    for done, line in enumerate(accepted.iterator(chunk_size=500)):
        if on_progress and done % PROGRESS_EVERY == 0:
            on_progress(done, total)
        actor, _ = services.record_apply(
            source=source,
            external_id=external_id_of(line.values),
            values=line.values,
            raw=line.raw,
            index=index,
            import_batch=batch,
        )
        line.matched_actor = actor
        line.save(update_fields=["matched_actor"])
    batch.status = ImportStatus.CONFIRMED
    batch.source = source
    batch.confirmed_at = timezone.now()
    batch.confirmed_by = by
    batch.save(update_fields=["status", "source", "confirmed_at", "confirmed_by", "updated_at"])
    logger.info("Import d'acteurs %s confirmé : source %s", batch.pk, source.code)
    return batch


def actor_import_cancel(*, batch: ActorImport) -> ActorImport:
    if batch.status != ImportStatus.PREVIEW:
        raise ValueError("Seul un aperçu peut être abandonné.")
    batch.status = ImportStatus.CANCELLED
    batch.save(update_fields=["status", "updated_at"])
    return batch
