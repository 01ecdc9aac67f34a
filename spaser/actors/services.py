"""Writes on the actor directory: taxonomies, sources, imported records, merges, corrections.

Every displayed value is recomputed by `actor_recompute` from the imported records (oldest data first, newer
data overriding) and the agents' corrections (always last), so an import never overwrites a correction.
"""

import csv
import json
import logging
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Sum

from spaser.actors import geometry
from spaser.actors.enums import AreaKind, NatureAxis
from spaser.actors.models import Actor, ActorArea, ActorCellCount, ActorRecord, Kind, Nature, Source
from spaser.geo.models import Commune, PostalCode

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
LIST_FIELDS = ("kinds", "natures", "families", "area_codes")
SCALAR_FIELDS = (
    "name",
    "siret",
    "address",
    "postcode",
    "city",
    "commune_code",
    "latitude",
    "longitude",
    "website",
    "description",
    "area_kind",
    "area_radius_km",
)


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: "Saint-Avertin" and "ST AVERTIN " compare equal."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    text = "".join(char if char.isalnum() else " " for char in text)
    words = ["saint" if word == "st" else "sainte" if word == "ste" else word for word in text.split()]
    return " ".join(words)


def city_without_cedex(city: str) -> str:
    words = fold(city).split()
    if "cedex" in words:
        words = words[: words.index("cedex")]
    return " ".join(words)


# --- Cache version -----------------------------------------------------------------------------------

VERSION_KEY = "actors:data-version"


def data_version() -> int:
    """Bumped by every write on actors: cached map answers of an older version are never served."""
    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def data_version_bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted): any new value invalidates the old keys
        cache.set(VERSION_KEY, data_version() + 1, timeout=None)


# --- Taxonomies -------------------------------------------------------------------------------------


def _read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class TaxonomyStats:
    kinds: int = 0
    natures: int = 0


@transaction.atomic
def taxonomy_load(*, data_dir: Path = DATA_DIR) -> TaxonomyStats:
    """Creates or updates the kinds and natures from the data files. Idempotent."""
    stats = TaxonomyStats()
    for position, row in enumerate(_read_csv(data_dir / "kinds.csv")):
        Kind.objects.update_or_create(
            code=row["code"],
            defaults={
                "label": row["label"],
                "group": row["group"],
                "legal_basis": row["legal_basis"],
                "description": row["description"],
                "position": position,
            },
        )
        stats.kinds += 1
    for position, row in enumerate(_read_csv(data_dir / "natures.csv")):
        Nature.objects.update_or_create(
            axis=row["axis"],
            code=row["code"],
            defaults={"label": row["label"], "origin": "SPASER", "position": position},
        )
        stats.natures += 1
    # ADEME "Longue vie aux objets" object categories (two levels) and repair labels.
    categories = json.loads((data_dir / "lvao" / "categories.json").read_text(encoding="utf-8"))
    parents = {}
    for position, entry in enumerate(categories):
        fields = entry["fields"]
        if entry["model"].endswith(".categorieobjet"):
            parents[fields["code"]], _ = Nature.objects.update_or_create(
                axis=NatureAxis.OBJECT,
                code=fields["code"],
                defaults={"label": fields["libelle"], "origin": "ADEME LVAO", "position": position, "parent": None},
            )
            stats.natures += 1
    for position, entry in enumerate(categories):
        fields = entry["fields"]
        if entry["model"].endswith(".souscategorieobjet"):
            parent_code = (fields.get("categorie") or [None])[0]
            Nature.objects.update_or_create(
                axis=NatureAxis.OBJECT,
                code=fields["code"],
                defaults={
                    "label": fields["libelle"],
                    "origin": "ADEME LVAO",
                    "position": position,
                    "parent": parents.get(parent_code),
                },
            )
            stats.natures += 1
    for position, entry in enumerate(json.loads((data_dir / "lvao" / "labels.json").read_text(encoding="utf-8"))):
        fields = entry["fields"]
        Nature.objects.update_or_create(
            axis=NatureAxis.LABEL,
            code=f"lvao_{fields['code'].lower()}",
            defaults={"label": fields["libelle"], "origin": "ADEME LVAO", "position": 100 + position},
        )
        stats.natures += 1
    return stats


def nature_family_rules(*, data_dir: Path = DATA_DIR) -> dict[str, list[str]]:
    """ "axis:code" of a nature → the purchase families it implies (from natures.csv and lvao_families.csv)."""
    rules = {}
    for row in _read_csv(data_dir / "natures.csv"):
        if row["families"]:
            rules[f"{row['axis']}:{row['code']}"] = row["families"].split(";")
    for row in _read_csv(data_dir / "lvao_families.csv"):
        rules[f"object:{row['category']}"] = [row["family"]]
    return rules


def naf_family_rules(*, data_dir: Path = DATA_DIR) -> dict[str, str]:
    return {row["naf_prefix"]: row["family"] for row in _read_csv(data_dir / "naf_families.csv")}


def families_of_naf(naf: str, rules: dict[str, str]) -> list[str]:
    digits = "".join(char for char in (naf or "") if char.isdigit())
    for length in range(len(digits), 1, -1):  # longest prefix wins
        if digits[:length] in rules:
            return [rules[digits[:length]]]
    return []


# --- Sources ----------------------------------------------------------------------------------------


def source_ensure(*, code: str, published_when_created: bool = False, **values) -> Source:
    """Creates the source or refreshes its description (saved, and so historised, only when it changed). Its
    publication is set at creation only: reloading a list never republishes a source an agent withdrew."""
    source = Source.objects.filter(code=code).first()
    if source is None:
        return Source.objects.create(code=code, is_published=published_when_created, **values)
    changed = [name for name, value in values.items() if getattr(source, name) != value]
    if changed:
        for name in changed:
            setattr(source, name, values[name])
        source.save(update_fields=[*changed, "updated_at"])
    return source


@transaction.atomic
def source_publish(*, source: Source, by, published: bool) -> int:
    """Publishes or withdraws a source and its actors (each with its history entry). An actor that another
    published source also lists stays published. Returns how many actors changed."""
    source = Source.objects.select_for_update().get(pk=source.pk)
    if source.is_published != published:
        source.is_published = published
        source._history_user = by
        source.save(update_fields=["is_published", "updated_at"])
    actors = Actor.objects.filter(records__source=source).exclude(is_published=published)
    if not published:
        others = ActorRecord.objects.filter(source__is_published=True).exclude(source=source)
        actors = actors.exclude(pk__in=others.values("actor_id"))
    changed = 0
    for actor in actors.distinct().order_by("pk"):
        actor_publish(
            actor=actor,
            by=by,
            published=published,
            reason=f"Source {'publiée' if published else 'retirée'} : {source.name}",
        )
        changed += 1
    return changed


# --- Places -----------------------------------------------------------------------------------------


@dataclass
class Place:
    commune: Commune | None = None
    latitude: float | None = None
    longitude: float | None = None
    precision: str = ""


class CommuneLookup:
    """Finds the commune of an address (INSEE code, postcode, published name), caching what it read."""

    def __init__(self):
        self._by_code: dict[str, Commune | None] = {}
        self._by_postcode: dict[str, list[Commune]] = {}
        self._by_departement: dict[str, list[Commune]] = {}

    def by_code(self, code: str) -> Commune | None:
        code = (code or "").strip().upper()
        if not code:
            return None
        code = code.zfill(5)  # FINESS lost the leading zero of some codes ("1053" for 01053)
        if code not in self._by_code:
            self._by_code[code] = Commune.objects.select_related("departement").filter(code=code).first()
        return self._by_code[code]

    def _postcode_communes(self, postcode: str) -> list[Commune]:
        if postcode not in self._by_postcode:
            self._by_postcode[postcode] = [
                row.commune for row in PostalCode.objects.filter(code=postcode).select_related("commune__departement")
            ]
        return self._by_postcode[postcode]

    def _departement_communes(self, departement: str) -> list[Commune]:
        if departement not in self._by_departement:
            self._by_departement[departement] = list(
                Commune.objects.filter(departement__code=departement).select_related("departement")
            )
        return self._by_departement[departement]

    def find(
        self, *, commune_code: str = "", postcode: str = "", city: str = "", departement: str = ""
    ) -> Commune | None:
        found = self.by_code(commune_code)
        if found:
            return found
        postcode = "".join(char for char in str(postcode or "") if char.isdigit())
        postcode = postcode.zfill(5) if postcode else ""
        name = city_without_cedex(city)
        if postcode:
            candidates = self._postcode_communes(postcode)
            if len(candidates) == 1:
                return candidates[0]
            named = [commune for commune in candidates if fold(commune.name) == name]
            if len(named) == 1:
                return named[0]
            # CEDEX and company postcodes are not in La Poste's base: look the name up in the département.
            departement = postcode[:3] if postcode.startswith("97") else postcode[:2]
            if name:
                named = [commune for commune in self._departement_communes(departement) if fold(commune.name) == name]
                if len(named) == 1:
                    return named[0]
        elif departement and name:  # no postcode (the reuse list gives "28 - Eure-et-Loir" and the town)
            named = [commune for commune in self._departement_communes(departement) if fold(commune.name) == name]
            if len(named) == 1:
                return named[0]
        return None


def place_resolve(values: dict, lookup: CommuneLookup) -> Place:
    commune = lookup.find(
        commune_code=values.get("commune_code", ""),
        postcode=values.get("postcode", ""),
        city=values.get("city", ""),
        departement=values.get("departement", ""),
    )
    latitude, longitude = values.get("latitude"), values.get("longitude")
    if latitude is not None and longitude is not None:
        return Place(commune, float(latitude), float(longitude), "adresse")
    if commune is not None and commune.latitude is not None:
        return Place(commune, commune.latitude, commune.longitude, "commune")
    return Place(commune)


# --- Actors -----------------------------------------------------------------------------------------


def merged_values(records, corrections: dict) -> dict:
    """The displayed layer: records from the oldest data to the newest, then the agents' corrections."""
    merged: dict = {name: [] for name in LIST_FIELDS}
    for values in records:
        for name, value in values.items():
            if name in LIST_FIELDS:
                merged[name] = sorted(set(merged[name]) | set(value or []))
            elif value not in (None, ""):
                merged[name] = value
    merged.update(corrections)
    return merged


@dataclass
class ActorIndex:
    """What a batch needs to find the actor a row merges into, without one query per candidate."""

    lookup: CommuneLookup = field(default_factory=CommuneLookup)

    def match(self, values: dict, *, source: Source | None = None, external_id: str = "") -> Actor | None:
        """Merge rule of issue 8: the same record of the same source, else the same SIRET, else name + commune."""
        if source is not None and source.pk and external_id:
            record = ActorRecord.objects.filter(source=source, external_id=external_id).select_related("actor")
            record = record.first()
            if record:
                return record.actor
        candidates = Actor.objects.order_by("pk")
        if source is not None and source.pk:
            # A source never lists the same actor twice: FINESS gives one SIRET to several ESAT sites
            # (ESAT ADPEP de Valençay and de Levroux), which must stay two actors.
            candidates = candidates.exclude(records__source=source)
        siret = values.get("siret") or ""
        if siret:
            actor = candidates.filter(siret=siret).first()
            if actor:
                return actor
        name = fold(values.get("name", ""))
        commune = place_resolve(values, self.lookup).commune
        if name and commune is not None:
            for actor in candidates.filter(commune=commune).only("pk", "name", "siret"):
                if fold(actor.name) == name and not (siret and actor.siret and actor.siret != siret):
                    return actor
        return None


# --- Derived indexes: cell counts (map clusters) and intervention-area keys ---------------------------

CELL_STATE_FIELDS = ("cell", "latitude", "longitude", "kind_codes", "is_published")


def _cell_state(actor) -> tuple:
    return tuple(getattr(actor, name) for name in CELL_STATE_FIELDS)


def _cell_counts_shift(state: tuple, sign: int) -> None:
    cell, latitude, longitude, kind_codes, published = state
    if cell is None or latitude is None or longitude is None:
        return
    for level, level_cell in ((0, cell), (1, geometry.coarse_of_cell(cell))):
        for kind in ["", *(code for code in (kind_codes or "").split("|") if code)]:
            row, _ = ActorCellCount.objects.get_or_create(
                level=level, cell=level_cell, kind=kind, is_published=published
            )
            ActorCellCount.objects.filter(pk=row.pk).update(
                count=F("count") + sign,
                latitude_sum=F("latitude_sum") + sign * latitude,
                longitude_sum=F("longitude_sum") + sign * longitude,
            )


def cell_counts_update(before: tuple | None, after: tuple) -> None:
    """Moves one actor in the cell counts from its previous state to its new one (no-op if unchanged)."""
    if before == after:
        return
    if before is not None:
        _cell_counts_shift(before, -1)
    _cell_counts_shift(after, +1)


@transaction.atomic
def cell_counts_rebuild(*, actor_model=Actor, count_model=ActorCellCount) -> int:
    """Recounts every cell from the actors (after bulk writes that bypass the services). Returns the rows.
    A migration passes its historical models."""
    count_model.objects.all().delete()
    counts: dict[tuple, list] = {}
    located = actor_model.objects.exclude(cell=None).exclude(latitude=None).order_by()
    per_cell = located.values("cell", "kind_codes", "is_published").annotate(
        n=Count("pk"), lat=Sum("latitude"), lon=Sum("longitude")
    )
    for row in per_cell.iterator(chunk_size=5000):
        for level, cell in ((0, row["cell"]), (1, geometry.coarse_of_cell(row["cell"]))):
            for kind in ["", *(code for code in row["kind_codes"].split("|") if code)]:
                entry = counts.setdefault((level, cell, kind, row["is_published"]), [0, 0.0, 0.0])
                entry[0] += row["n"]
                entry[1] += row["lat"]
                entry[2] += row["lon"]
    count_model.objects.bulk_create(
        [
            count_model(
                level=level,
                cell=cell,
                kind=kind,
                is_published=published,
                count=n,
                latitude_sum=lat,
                longitude_sum=lon,
            )
            for (level, cell, kind, published), (n, lat, lon) in counts.items()
        ],
        batch_size=5000,
    )
    transaction.on_commit(data_version_bump)
    return len(counts)


def area_keys(actor: Actor) -> set[str]:
    """The indexed keys of the displayed intervention area (see `ActorArea`)."""
    if actor.area_kind == AreaKind.NATIONAL:
        return {"fr"}
    if actor.area_kind == AreaKind.COMMUNES:
        return {f"c:{code}" for code in actor.area_codes}
    if actor.area_kind == AreaKind.DEPARTEMENTS:
        return {f"d:{code}" for code in actor.area_codes}
    if actor.area_kind == AreaKind.RADIUS and actor.area_radius_km and actor.has_position:
        box = geometry.bounding_box(actor.latitude, actor.longitude, actor.area_radius_km)
        return {f"g:{cell}" for cell in geometry.coarse_cells_in_box(*box)}
    return set()


def _area_keys_write(actor: Actor) -> None:
    wanted = {(key, actor.kind_codes) for key in area_keys(actor)}
    current = set(actor.area_keys.values_list("key", "kind_codes"))
    if wanted != current:
        actor.area_keys.all().delete()
        ActorArea.objects.bulk_create(
            [ActorArea(actor=actor, key=key, kind_codes=kind_codes) for key, kind_codes in sorted(wanted)]
        )


def actor_recompute(*, actor: Actor, lookup: CommuneLookup | None = None, family_ids: dict | None = None) -> Actor:
    """Recomputes the displayed layer of `actor` from its records and corrections, and saves it."""
    lookup = lookup or CommuneLookup()
    before = Actor.objects.filter(pk=actor.pk).values_list(*CELL_STATE_FIELDS).first() if actor.pk else None
    records = list(actor.records.select_related("source").order_by("source__data_date", "pk"))
    values = merged_values([record.values for record in records], actor.corrections)
    actor.is_demo = bool(records) and all(record.source.is_demo for record in records)
    place = place_resolve(values, lookup)
    actor.name = (values.get("name") or actor.name or "").strip()[:255]
    actor.siret = values.get("siret") or ""
    actor.siren = actor.siret[:9]
    actor.address = (values.get("address") or "")[:255]
    actor.postcode = str(values.get("postcode") or "")[:5]
    actor.city = (values.get("city") or (place.commune.name if place.commune else ""))[:150]
    actor.commune = place.commune
    actor.latitude, actor.longitude = place.latitude, place.longitude
    actor.location_precision = place.precision
    actor.cell = geometry.cell_of(actor.latitude, actor.longitude)
    actor.website = (values.get("website") or "")[:500]
    actor.description = values.get("description") or ""
    actor.area_kind = values.get("area_kind") or AreaKind.UNKNOWN
    actor.area_radius_km = values.get("area_radius_km") or None
    actor.area_codes = values.get("area_codes") or []
    kinds = list(Kind.objects.filter(code__in=values.get("kinds", [])))
    actor.kind_codes = "|" + "|".join(sorted(kind.code for kind in kinds)) + "|" if kinds else ""
    actor.search_text = fold(" ".join([actor.name, actor.city, actor.siret, actor.description[:500]]))
    actor.save()
    actor.kinds.set(kinds)
    nature_keys = [key.split(":", 1) for key in values.get("natures", []) if ":" in key]
    natures = Nature.objects.none()
    for axis, code in nature_keys:
        natures = natures | Nature.objects.filter(axis=axis, code=code)
    actor.natures.set(list(natures) if nature_keys else [])
    from spaser.referentiel.models import Family

    actor.families.set(list(Family.objects.filter(code__in=values.get("families", []))))
    cell_counts_update(before, _cell_state(actor))
    _area_keys_write(actor)
    transaction.on_commit(data_version_bump)
    return actor


def record_apply(
    *,
    source: Source,
    external_id: str,
    values: dict,
    raw: dict | None = None,
    index: ActorIndex | None = None,
    import_batch=None,
    is_demo: bool = False,
) -> tuple[Actor, bool]:
    """Stores what `source` says under `external_id`, merging into an existing actor. Returns (actor, created)."""
    index = index or ActorIndex()
    existing = ActorRecord.objects.filter(source=source, external_id=external_id).select_related("actor").first()
    if existing is not None and existing.values == values:
        return existing.actor, False  # nothing new: re-running an import is cheap and changes nothing
    actor = index.match(values, source=source, external_id=external_id)
    created = actor is None
    if created:
        actor = Actor.objects.create(name=values["name"][:255], is_demo=is_demo)
        actor._change_reason = f"Import : {source.name}"
    ActorRecord.objects.update_or_create(
        source=source,
        external_id=external_id,
        defaults={"actor": actor, "values": values, "raw": raw or {}, "import_batch": import_batch},
    )
    if existing is None and source.is_published and not actor.is_published:
        # A new line of a published source shows on the public map; an agent's withdrawal of an actor already
        # listed is not undone by reloading the list (its record exists).
        actor.is_published = True
        actor._change_reason = f"Import : {source.name} (source publiée)"
    actor_recompute(actor=actor, lookup=index.lookup)
    return actor, created


@transaction.atomic
def actor_correct(*, actor: Actor, by, changes: dict, reason: str = "") -> Actor:
    """Records an agent's corrections (field → value) and recomputes the displayed layer; history keeps who."""
    unknown = set(changes) - set(Actor.CORRECTABLE_FIELDS)
    if unknown:
        raise ValueError(f"Champs non corrigeables : {sorted(unknown)}")
    actor = Actor.objects.select_for_update().get(pk=actor.pk)
    actor.corrections = {**actor.corrections, **changes}
    actor._history_user = by
    actor._change_reason = reason or "Correction d'un agent"
    return actor_recompute(actor=actor)


@transaction.atomic
def actor_correction_remove(*, actor: Actor, by, field_name: str) -> Actor:
    """Drops one correction: the imported value shows again."""
    actor = Actor.objects.select_for_update().get(pk=actor.pk)
    actor.corrections = {name: value for name, value in actor.corrections.items() if name != field_name}
    actor._history_user = by
    actor._change_reason = f"Correction retirée : {field_name}"
    return actor_recompute(actor=actor)


@transaction.atomic
def actor_publish(*, actor: Actor, by, published: bool, reason: str = "") -> Actor:
    actor = Actor.objects.select_for_update().get(pk=actor.pk)
    if actor.is_published == published:
        return actor
    before = _cell_state(actor)
    actor.is_published = published
    actor._history_user = by
    actor._change_reason = reason or (
        "Publication sur la carte publique" if published else "Retrait de la carte publique"
    )
    actor.save(update_fields=["is_published", "updated_at"])
    cell_counts_update(before, _cell_state(actor))
    transaction.on_commit(data_version_bump)
    return actor


@transaction.atomic
def actors_publish(*, actor_ids: list[int], by, published: bool) -> int:
    """Publishes (or withdraws) several actors at once, each with its history entry. Returns how many changed."""
    changed = 0
    for actor in Actor.objects.filter(pk__in=actor_ids).exclude(is_published=published).order_by("pk"):
        actor_publish(actor=actor, by=by, published=published)
        changed += 1
    return changed
