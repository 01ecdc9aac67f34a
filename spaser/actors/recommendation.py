"""The "fournisseurs potentiels" panel of a purchase project: who could answer, and what the buyer may do.

Inputs: a purchase family code (référentiel) and the INSEE code of the commune of execution. Output: the number
of actors of each group serving that family within the radius, and a recommendation with its legal basis:

- reserve the contract to SIAE (CCP L2113-13) or to EA/ESAT (L2113-12) — both together since loi ASAP —
  when at least `reserve_min` such structures can answer (R2113-7: at least 50 % of the staff concerned);
- reserve a lot when fewer can answer but at least `lot_min`;
- otherwise an insertion clause as an execution condition (L2112-2) for labour-intensive families or when
  insertion structures (SIAE, GEIQ) work in the area; otherwise nothing.

The thresholds are a buyers' convention, not law: they are set by `SPASER_ACTORS_RECOMMENDATION` (settings,
read with defaults) and always shown next to the recommendation.

Use from another page:
    from spaser.actors.recommendation import potential_suppliers
    context["potential"] = potential_suppliers(family_code="NETTOYAGE", commune_code="37261")
    {% include "actors/_potential_suppliers.html" with potential=potential %}
or `{% load actors_tags %}{% potential_suppliers_panel family_code commune_code %}`.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from spaser.actors.enums import KindGroup
from spaser.actors.models import Actor
from spaser.actors.selectors import ActorFilters, Centre, actors_search

DEFAULT_RULES = {
    "radius_km": 50,
    "reserve_min": 3,
    "lot_min": 1,
    "insertion_families": [
        "TRV-CONSTRUCTION",
        "NETTOYAGE",
        "ESPACES-VERTS",
        "DECHETS",
        "BATIMENT-EXPLOITATION",
        "SECURITE-SERVICES-GENERAUX",
    ],
}
PANEL_GROUPS = [KindGroup.ESS, KindGroup.SIAE, KindGroup.DISABILITY, KindGroup.CIRCULAR, KindGroup.FOOD]


def rules() -> dict:
    return {**DEFAULT_RULES, **getattr(settings, "SPASER_ACTORS_RECOMMENDATION", {})}


@dataclass(frozen=True)
class Recommendation:
    code: str
    title: str
    legal_basis: str
    rule: str


@dataclass
class PotentialSuppliers:
    family: object
    commune: object
    radius_km: float
    total: int
    counts: list[tuple[str, str, int]]  # (group value, label, number of actors)
    siae_reservable: int
    disability_reservable: int
    insertion_actors: int
    demo_actors: int
    recommendation: Recommendation
    area_actors: int = 0  # located farther, counted because their intervention area covers the place
    rules: dict = field(default_factory=dict)

    @property
    def search_query(self) -> str:
        return urlencode(
            {"famille": self.family.code, "lieu": self.commune.code, "rayon": int(self.radius_km)}, doseq=True
        )

    @property
    def search_url(self) -> str:
        return f"{reverse('actors:search')}?{self.search_query}"


def recommend(*, siae: int, disability: int, insertion: int, family_code: str, config: dict) -> Recommendation:
    """Pure: the recommendation for these counts (tested at each threshold)."""
    reserve_min, lot_min = config["reserve_min"], config["lot_min"]
    if siae >= reserve_min:
        return Recommendation(
            "reserve_siae",
            "Réserver le marché aux structures d'insertion par l'activité économique",
            "Code de la commande publique, art. L2113-13 (et R2113-7 : au moins 50 % de salariés en insertion)",
            f"{siae} SIAE servent cette famille dans la zone (seuil : {reserve_min}).",
        )
    if disability >= reserve_min:
        return Recommendation(
            "reserve_disability",
            "Réserver le marché aux entreprises adaptées et ESAT",
            "Code de la commande publique, art. L2113-12 (et R2113-7 : au moins 50 % de travailleurs handicapés)",
            f"{disability} EA ou ESAT servent cette famille dans la zone (seuil : {reserve_min}).",
        )
    if siae + disability >= reserve_min:
        return Recommendation(
            "reserve_both",
            "Réserver le marché aux SIAE, EA et ESAT ensemble",
            "Code de la commande publique, art. L2113-12 et L2113-13 (réservation commune permise depuis la loi ASAP)",
            f"{siae} SIAE et {disability} EA ou ESAT servent cette famille dans la zone "
            f"(seuil : {reserve_min} à elles toutes).",
        )
    if siae + disability >= lot_min:
        return Recommendation(
            "reserve_lot",
            "Réserver un lot",
            "Code de la commande publique, art. L2113-12 ou L2113-13, appliqués à un lot (L2113-10 : allotissement)",
            f"{siae + disability} structure(s) pouvant bénéficier d'une réservation : moins que le seuil de "
            f"{reserve_min} pour tout le marché, au moins {lot_min} pour un lot.",
        )
    if family_code in config["insertion_families"] or insertion:
        return Recommendation(
            "insertion_clause",
            "Ajouter une clause d'insertion (condition d'exécution)",
            "Code de la commande publique, art. L2112-2 (conditions d'exécution à caractère social)",
            "Famille à forte main-d'œuvre"
            if family_code in config["insertion_families"]
            else f"{insertion} structure(s) d'insertion (SIAE, GEIQ) dans la zone pour accompagner la clause.",
        )
    return Recommendation(
        "none",
        "Pas de réservation ni de clause recommandée d'après la cartographie",
        "—",
        "Aucune structure pouvant bénéficier d'une réservation ne sert cette famille dans la zone, et la famille "
        "n'est pas classée à forte main-d'œuvre. Justifiez l'absence de considération sociale (SPASER 2, axe 1-V).",
    )


def potential_suppliers(*, family_code: str, commune_code: str, radius_km: float | None = None):
    """The panel's data, or None when the family or the commune is unknown (or the commune has no centroid)."""
    from spaser.geo.models import Commune
    from spaser.referentiel.models import Family

    config = rules()
    radius = float(radius_km or config["radius_km"])
    family = Family.objects.filter(code=family_code).first()
    commune = Commune.objects.filter(code=commune_code).exclude(latitude=None).first()
    if family is None or commune is None:
        return None
    centre = Centre(str(commune), commune.latitude, commune.longitude, commune)
    hits, _ = actors_search(ActorFilters(family=family.code, centre=centre, radius_km=radius), Actor.objects.all())
    ids = [hit.actor_id for hit in hits]
    memberships = Actor.kinds.through.objects.filter(actor_id__in=ids).values_list(
        "actor_id", "kind__group", "kind__legal_basis"
    )
    groups: dict[str, set[int]] = {}
    siae, disability = set(), set()
    for actor_id, group, legal_basis in memberships:
        groups.setdefault(group, set()).add(actor_id)
        if legal_basis == "L2113-13":
            siae.add(actor_id)
        elif legal_basis == "L2113-12":
            disability.add(actor_id)
    # Insertion structures of any family nearby can still support an insertion clause.
    insertion_hits, _ = actors_search(
        ActorFilters(groups=[KindGroup.SIAE], centre=centre, radius_km=radius), Actor.objects.all()
    )
    demo = Actor.objects.filter(pk__in=ids, is_demo=True).count() if ids else 0
    return PotentialSuppliers(
        family=family,
        commune=commune,
        radius_km=radius,
        total=len(ids),
        counts=[(group.value, group.label, len(groups.get(group.value, ()))) for group in PANEL_GROUPS],
        siae_reservable=len(siae),
        disability_reservable=len(disability),
        insertion_actors=len(insertion_hits),
        demo_actors=demo,
        area_actors=sum(1 for hit in hits if hit.in_area),
        recommendation=recommend(
            siae=len(siae),
            disability=len(disability),
            insertion=len(insertion_hits),
            family_code=family.code,
            config=config,
        ),
        rules=config,
    )
