"""Writes of the référentiels. Every import runs in one transaction: a bad file loads nothing."""

import contextlib
import logging
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from spaser.accounts.models import Organisation
from spaser.referentiel.loaders.criteria_file import load_criteria_file
from spaser.referentiel.loaders.families_file import load_families_file
from spaser.referentiel.loaders.spaser_file import load_spaser_file
from spaser.referentiel.loaders.thresholds_file import load_thresholds_file
from spaser.referentiel.loaders.yamlio import Problem, ReferentielFileError
from spaser.referentiel.models import (
    Axis,
    BuyerSettings,
    Chantier,
    ChantierDirection,
    CpvRule,
    Criterion,
    Family,
    Indicator,
    LegalObligation,
    Milestone,
    Spaser,
    Target,
    Theme,
    Threshold,
)

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_SPASER_FILE = DATA_DIR / "spaser2_centre_val_de_loire.yaml"
DEFAULT_FAMILIES_FILE = DATA_DIR / "familles_achat.yaml"
DEFAULT_CRITERIA_FILE = DATA_DIR / "criteres_clauses.yaml"
DEFAULT_THRESHOLDS_FILE = DATA_DIR / "seuils.yaml"


def _decimal(value):
    return None if value is None else Decimal(str(value))


def _sync(model, existing, lookup: dict, values: dict):
    """Creates the row, or updates only the fields that changed (no history entry when nothing changed)."""
    if existing is None:
        return model.objects.create(**lookup, **values)
    changed = [field for field, value in values.items() if getattr(existing, field) != value]
    if changed:
        for field in changed:
            setattr(existing, field, values[field])
        existing.save()
    return existing


def _replace_children(manager, model, parent_field, parent, rows: list[dict], compare_fields):
    """Replaces a list of anonymous children (directions, milestones, targets) when it differs."""
    current = [tuple(getattr(child, field) for field in compare_fields) for child in manager.all()]
    wanted = [tuple(row[field] for field in compare_fields) for row in rows]
    if current == wanted:
        return
    manager.all().delete()
    for row in rows:
        model.objects.create(**{parent_field: parent}, **row)


@contextlib.contextmanager
def _still_used(field):
    """A row the file drops but other records still point to: refuse the file (the transaction rolls back)."""
    try:
        yield
    except (ProtectedError, RestrictedError) as error:
        used = ", ".join(sorted({str(obj) for obj in error.args[1]})[:5])
        message = f"suppression impossible, encore utilisé par d'autres données : {used}"
        raise ReferentielFileError([Problem("(données)", None, field, message)]) from error


# --- SPASER ---------------------------------------------------------------------------------------------


def organisation_for_spaser_data(data: dict) -> Organisation:
    siret = data["spaser"].get("organisation", "")
    organisation = Organisation.objects.filter(siret=siret).first()
    if organisation is None:
        raise ReferentielFileError(
            [Problem("(données)", None, "spaser.organisation", f"aucune organisation de SIRET {siret} n'existe")]
        )
    return organisation


@transaction.atomic
def spaser_import(*, data: dict, organisation: Organisation | None = None) -> Spaser:
    """Creates or updates the SPASER identified by (organisation, code) so that it matches `data` exactly.

    Rows are matched by code and updated in place (their history and anything linked to them survive);
    rows absent from `data` are deleted.
    """
    organisation = organisation or organisation_for_spaser_data(data)
    meta = data["spaser"]
    spaser = Spaser.objects.filter(organisation=organisation, code=meta["code"]).first()
    spaser = _sync(
        Spaser,
        spaser,
        {"organisation": organisation, "code": meta["code"]},
        {
            "title": meta["title"],
            "period_start": meta["period_start"],
            "period_end": meta["period_end"],
            "version": meta["version"],
            "status": meta["status"],
            "description": meta.get("description", ""),
        },
    )
    axes = {axis.code: axis for axis in spaser.axes.all()}
    for position, axis_data in enumerate(data["axes"]):
        axes[axis_data["code"]] = _sync(
            Axis,
            axes.get(axis_data["code"]),
            {"spaser": spaser, "code": axis_data["code"]},
            {"title": axis_data["title"], "description": axis_data.get("description", ""), "position": position},
        )
    themes = {theme.code: theme for theme in spaser.themes.all()}
    chantiers = {chantier.code: chantier for chantier in spaser.chantiers.all()}
    indicators = {indicator.code: indicator for indicator in spaser.indicators.all()}
    kept = {"theme": set(), "chantier": set(), "indicator": set()}
    for theme_position, theme_data in enumerate(data["themes"]):
        theme = themes[theme_data["code"]] = _sync(
            Theme,
            themes.get(theme_data["code"]),
            {"spaser": spaser, "code": theme_data["code"]},
            {
                "axis": axes[theme_data["axis"]] if theme_data.get("axis") else None,
                "title": theme_data["title"],
                "description": theme_data.get("description", ""),
                "position": theme_position,
            },
        )
        kept["theme"].add(theme.code)
        for chantier_position, chantier_data in enumerate(theme_data.get("chantiers", [])):
            chantier = _chantier_import(spaser, theme, chantier_position, chantier_data, chantiers)
            kept["chantier"].add(chantier.code)
            for indicator_position, indicator_data in enumerate(chantier_data.get("indicators", [])):
                indicator = _indicator_import(spaser, chantier, indicator_position, indicator_data, indicators)
                kept["indicator"].add(indicator.code)
    with _still_used("themes"):
        spaser.indicators.exclude(code__in=kept["indicator"]).delete()
        spaser.chantiers.exclude(code__in=kept["chantier"]).delete()
        spaser.themes.exclude(code__in=kept["theme"]).delete()
        spaser.axes.exclude(code__in=[axis["code"] for axis in data["axes"]]).delete()
    logger.info("SPASER %s chargé pour %s", spaser.code, organisation.siret)
    return spaser


def _chantier_import(spaser, theme, position, data, chantiers):
    chantier = _sync(
        Chantier,
        chantiers.get(data["code"]),
        {"spaser": spaser, "code": data["code"]},
        {
            "theme": theme,
            "title": data["title"],
            "description": data.get("description", ""),
            "pilot": data.get("pilot", ""),
            "status": data["status"],
            "position": position,
        },
    )
    directions = [
        {"name": item["name"], "role": item["role"], "position": index}
        for index, item in enumerate(data.get("directions", []))
    ]
    _replace_children(chantier.directions, ChantierDirection, "chantier", chantier, directions, ("name", "role"))
    milestones = [
        {"label": item["label"], "due_date": item["due_date"], "done": item["done"], "position": index}
        for index, item in enumerate(data.get("milestones", []))
    ]
    _replace_children(chantier.milestones, Milestone, "chantier", chantier, milestones, ("label", "due_date", "done"))
    return chantier


def _indicator_import(spaser, chantier, position, data, indicators):
    baseline = data.get("baseline") or {}
    indicator = _sync(
        Indicator,
        indicators.get(data["code"]),
        {"spaser": spaser, "code": data["code"]},
        {
            "chantier": chantier,
            "label": data["label"],
            "definition": data.get("definition", ""),
            "unit": data["unit"],
            "direction": data["direction"],
            "scope": data.get("scope", ""),
            "mode": data["mode"],
            "computation_key": data.get("computation_key", ""),
            "baseline_value": _decimal(baseline.get("value")),
            "baseline_year": baseline.get("year"),
            "proof": data.get("proof", ""),
            "position": position,
        },
    )
    targets = [{"year": item["year"], "value": _decimal(item["value"])} for item in data.get("targets", [])]
    _replace_children(indicator.targets, Target, "indicator", indicator, targets, ("year", "value"))
    return indicator


# --- Families, criteria, thresholds ---------------------------------------------------------------------


@transaction.atomic
def families_import(*, data: dict) -> int:
    existing = {family.code: family for family in Family.objects.all()}
    # Parents first: create every family without its parent, then link them.
    for position, item in enumerate(data["families"]):
        existing[item["code"]] = _sync(
            Family,
            existing.get(item["code"]),
            {"code": item["code"]},
            {
                "label": item["label"],
                "nature": item["nature"],
                "description": item.get("description", ""),
                "position": position,
            },
        )
    for item in data["families"]:
        family = existing[item["code"]]
        parent = existing[item["parent"]] if item.get("parent") else None
        if family.parent_id != (parent.pk if parent else None):
            family.parent = parent
            family.save()
    rules = {rule.prefix: rule for rule in CpvRule.objects.all()}
    wanted = {
        prefix: existing[item["code"]]
        for item in data["families"]
        for prefix in [*item["cpv_prefixes"], *item["legacy_cpv_prefixes"]]
    }
    for prefix, family in wanted.items():
        _sync(CpvRule, rules.get(prefix), {"prefix": prefix}, {"family": family})
    CpvRule.objects.exclude(prefix__in=wanted).delete()
    codes = [item["code"] for item in data["families"]]
    with _still_used("families"):
        for family in Family.objects.exclude(code__in=codes).order_by("-pk"):
            family.delete()
    return len(codes)


@transaction.atomic
def criteria_import(*, data: dict) -> int:
    families = {family.code: family for family in Family.objects.all()}
    unknown = sorted({code for item in data["items"] for code in item["families"] if code not in families})
    if unknown:
        raise ReferentielFileError([Problem("(données)", None, "items.families", f"familles inconnues : {unknown}")])
    existing = {criterion.code: criterion for criterion in Criterion.objects.prefetch_related("families")}
    for position, item in enumerate(data["items"]):
        weighting = item.get("weighting") or {}
        criterion = _sync(
            Criterion,
            existing.get(item["code"]),
            {"code": item["code"]},
            {
                "title": item["title"],
                "kind": item["kind"],
                "dimension": item["dimension"],
                "obligation": item["obligation"],
                "legal_basis": item.get("legal_basis", ""),
                "legal_status": item["legal_status"],
                "caveat": item.get("caveat", ""),
                "weighting_min": weighting.get("min"),
                "weighting_max": weighting.get("max"),
                "wording": item["wording"],
                "verification": item.get("verification", ""),
                "proof": item.get("proof", ""),
                "chantier_code": item.get("chantier", ""),
                "ambition": item["ambition"],
                "position": position,
            },
        )
        wanted = [families[code] for code in item["families"]]
        if sorted(family.pk for family in criterion.families.all()) != sorted(family.pk for family in wanted):
            criterion.families.set(wanted)
    with _still_used("items"):
        Criterion.objects.exclude(code__in=[item["code"] for item in data["items"]]).delete()
    return len(data["items"])


@transaction.atomic
def thresholds_import(*, data: dict) -> int:
    wanted = [
        {
            "code": item["code"],
            "label": item["label"],
            "buyer_kinds": item["buyer_kinds"],
            "natures": item["natures"],
            "amount": _decimal(item["amount"]),
            "valid_from": item["valid_from"],
            "valid_to": item.get("valid_to"),
            "legal_basis": item["legal_basis"],
            "status": item["status"],
            "note": item.get("note", ""),
            "position": position,
        }
        for position, item in enumerate(data["thresholds"])
    ]
    fields = list(wanted[0]) if wanted else []
    current = [{field: getattr(row, field) for field in fields} for row in Threshold.objects.order_by("position")]
    if current != wanted:
        Threshold.objects.all().delete()
        for row in wanted:
            Threshold.objects.create(**row)
    existing = {obligation.code: obligation for obligation in LegalObligation.objects.all()}
    for position, item in enumerate(data["obligations"]):
        condition = item.get("amount_condition") or {}
        _sync(
            LegalObligation,
            existing.get(item["code"]),
            {"code": item["code"]},
            {
                "label": item["label"],
                "natures": item["natures"],
                "effective_from": item.get("effective_from"),
                "amount_operator": condition.get("operator", ""),
                "amount_threshold": condition.get("threshold", ""),
                "legal_basis": item["legal_basis"],
                "status": item["status"],
                "note": item.get("note", ""),
                "position": position,
            },
        )
    LegalObligation.objects.exclude(code__in=[item["code"] for item in data["obligations"]]).delete()
    return len(wanted)


def known_chantier_codes() -> set[str] | None:
    codes = set(Chantier.objects.values_list("code", flat=True))
    return codes or None


def families_load_file(*, path) -> int:
    return families_import(data=load_families_file(path))


def criteria_load_file(*, path) -> int:
    family_codes = set(Family.objects.values_list("code", flat=True))
    data = load_criteria_file(path, family_codes=family_codes, chantier_codes=known_chantier_codes())
    return criteria_import(data=data)


def thresholds_load_file(*, path) -> int:
    return thresholds_import(data=load_thresholds_file(path))


def spaser_load_file(*, path, organisation: Organisation | None = None) -> Spaser:
    return spaser_import(data=load_spaser_file(path), organisation=organisation)


@transaction.atomic
def referentiel_defaults_ensure(*, organisation: Organisation | None) -> list[str]:
    """Loads each shipped référentiel that is not in the database yet; never overwrites an administrator's edits."""
    done = []
    if not Family.objects.exists():
        done.append(f"{families_load_file(path=DEFAULT_FAMILIES_FILE)} familles d'achat")
    if not Threshold.objects.exists():
        done.append(f"{thresholds_load_file(path=DEFAULT_THRESHOLDS_FILE)} seuils")
    if organisation is not None:
        data = load_spaser_file(DEFAULT_SPASER_FILE)
        if (
            data["spaser"]["organisation"] == organisation.siret
            and not Spaser.objects.filter(organisation=organisation, code=data["spaser"]["code"]).exists()
        ):
            spaser = spaser_import(data=data, organisation=organisation)
            done.append(f"SPASER {spaser.code} ({spaser.chantiers.count()} chantiers)")
        BuyerSettings.objects.get_or_create(organisation=organisation)
    if not Criterion.objects.exists():
        done.append(f"{criteria_load_file(path=DEFAULT_CRITERIA_FILE)} critères et clauses")
    return done


@transaction.atomic
def indicator_update(*, form, targets) -> Indicator:
    """Saves an indicator and its targets together (the form and the formset were validated by the view)."""
    indicator = form.save()
    targets.instance = indicator
    targets.save()
    return indicator


@transaction.atomic
def chantier_update(*, form, directions, milestones) -> Chantier:
    """Saves a chantier with its directions and milestones together (validated by the view)."""
    chantier = form.save()
    for formset in (directions, milestones):
        formset.instance = chantier
        formset.save()
    return chantier
