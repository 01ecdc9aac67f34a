import pytest
from django.template.loader import render_to_string

from spaser.actors.recommendation import DEFAULT_RULES, potential_suppliers, recommend
from tests.actors.factories import make_actor

pytestmark = pytest.mark.usefixtures("taxonomy")


@pytest.mark.parametrize(
    ("siae", "disability", "insertion", "family", "expected"),
    [
        (3, 0, 3, "MOBILIER", "reserve_siae"),
        (2, 3, 2, "MOBILIER", "reserve_disability"),
        (2, 1, 2, "MOBILIER", "reserve_both"),
        (2, 0, 2, "MOBILIER", "reserve_lot"),
        (0, 1, 0, "MOBILIER", "reserve_lot"),
        (0, 0, 0, "NETTOYAGE", "insertion_clause"),
        (0, 0, 1, "MOBILIER", "insertion_clause"),
        (0, 0, 0, "MOBILIER", "none"),
    ],
)
def test_recommendation_at_each_threshold(siae, disability, insertion, family, expected):
    result = recommend(siae=siae, disability=disability, insertion=insertion, family_code=family, config=DEFAULT_RULES)
    assert result.code == expected
    if expected.startswith("reserve"):
        assert "L2113-1" in result.legal_basis


def test_thresholds_come_from_settings(settings):
    settings.SPASER_ACTORS_RECOMMENDATION = {"reserve_min": 5}
    from spaser.actors.recommendation import rules

    config = rules()
    assert config["reserve_min"] == 5 and config["lot_min"] == DEFAULT_RULES["lot_min"]
    assert recommend(siae=4, disability=0, insertion=4, family_code="X", config=config).code == "reserve_lot"


def test_potential_suppliers_counts_actors_of_the_family_within_the_radius(geo, families, settings):
    settings.SPASER_ACTORS_RECOMMENDATION = {"radius_km": 30}
    for name in ("ACI Propreté", "EI Net", "AI Services"):
        make_actor(name, commune=geo["Saint-Avertin"], kinds=[name.split()[0].lower()], families=["NETTOYAGE"])
    make_actor("ESAT Tours", commune=geo["Tours"], kinds=["esat"], families=["NETTOYAGE"])
    make_actor("ESAT Orléans", commune=geo["Orléans"], kinds=["esat"], families=["NETTOYAGE"])  # 100 km away
    make_actor("GEIQ BTP", commune=geo["Tours"], kinds=["geiq"], families=[])
    make_actor("Maraîcher", commune=geo["Tours"], kinds=["local_producer"], families=["ALIMENTATION"])
    potential = potential_suppliers(family_code="NETTOYAGE", commune_code="37261")
    counts = {group: count for group, _, count in potential.counts}
    assert potential.total == 4
    assert counts == {"ess": 0, "siae": 3, "disability": 1, "circular": 0, "food": 0}
    assert (potential.siae_reservable, potential.disability_reservable) == (3, 1)
    assert potential.insertion_actors == 4  # 3 SIAE + the GEIQ, whatever their family
    assert potential.recommendation.code == "reserve_siae"
    html = render_to_string("actors/_potential_suppliers.html", {"potential": potential})
    assert "L2113-13" in html and "famille=NETTOYAGE" in html and "rayon=30" in html
    assert "intervien" not in html
    # An ESAT of Orléans that intervenes in Indre-et-Loire can answer too: counted, and said so.
    make_actor(
        "ESAT mobile",
        commune=geo["Orléans"],
        kinds=["esat"],
        families=["NETTOYAGE"],
        area_kind="departements",
        area_codes=["37"],
    )
    potential = potential_suppliers(family_code="NETTOYAGE", commune_code="37261")
    assert (potential.total, potential.area_actors, potential.disability_reservable) == (5, 1, 2)
    html = render_to_string("actors/_potential_suppliers.html", {"potential": potential})
    assert "Dont 1 acteur situé plus loin qui intervient sur la zone" in html


def test_potential_suppliers_is_none_for_an_unknown_family_or_commune(geo, families):
    assert potential_suppliers(family_code="INCONNUE", commune_code="37261") is None
    assert potential_suppliers(family_code="NETTOYAGE", commune_code="99999") is None
    html = render_to_string("actors/_potential_suppliers.html", {"potential": None})
    assert "inconnue" in html


def test_template_tag_renders_the_panel_for_another_page(geo, families):
    from django.template import Context, Template

    make_actor("ESAT Tours", commune=geo["Tours"], kinds=["esat"], families=["NETTOYAGE"])
    html = Template("{% load actors_tags %}{% potential_suppliers_panel family commune %}").render(
        Context({"family": "NETTOYAGE", "commune": "37261"})
    )
    assert "Fournisseurs potentiels" in html and "Réserver un lot" in html
