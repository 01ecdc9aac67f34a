import datetime as dt
from pathlib import Path

import pytest

from spaser.actors import loaders, services
from spaser.actors.enums import SourceKind
from spaser.actors.models import Actor, ActorRecord, Kind, Nature, Source
from tests.accounts.factories import UserFactory
from tests.actors.factories import make_actor, make_source

pytestmark = pytest.mark.usefixtures("taxonomy")
SHARED_GEO = Path("/work/shared/data/geo")


def test_taxonomy_holds_the_kinds_of_the_issue_and_the_ademe_categories():
    codes = set(Kind.objects.values_list("code", flat=True))
    assert {"ei", "etti", "ai", "aci", "eiti", "ea", "esat", "scop", "scic", "ressourcerie", "local_producer"} <= codes
    assert Kind.objects.get(code="aci").legal_basis == "L2113-13"
    assert Kind.objects.get(code="esat").legal_basis == "L2113-12"
    assert Kind.objects.get(code="geiq").legal_basis == ""  # a GEIQ is not a SIAE under L2113-13
    assert Nature.objects.get(axis="object", code="ecran").parent.code == "image_son_et_informatique"
    assert Nature.objects.filter(axis="waste", code="deee").exists()
    services.taxonomy_load()  # idempotent
    assert Kind.objects.filter(code="ei").count() == 1


def test_second_source_with_the_same_siret_merges_into_the_same_actor(geo):
    first = make_actor("ENVIE TOURAINE", siret="34255976200279", commune=geo["Tours"], kinds=["ei"])
    second = make_actor(
        "Envie Touraine", source=make_source("cress"), siret="34255976200279", commune=geo["Tours"], kinds=["ess"]
    )
    assert first.pk == second.pk
    second.refresh_from_db()
    assert sorted(second.kind_codes.strip("|").split("|")) == ["ei", "ess"]
    assert second.records.count() == 2


def test_without_siret_the_same_name_in_the_same_commune_merges(geo):
    first = make_actor("Ressourcerie La Charpente", commune=geo["Tours"])
    same = make_actor("RESSOURCERIE LA CHARPENTE", source=make_source("reseau"), commune=geo["Tours"])
    other_town = make_actor("Ressourcerie La Charpente", source=make_source("autre"), commune=geo["Blois"])
    assert same.pk == first.pk
    assert other_town.pk != first.pk


def test_a_source_listing_one_siret_twice_keeps_two_actors(geo):
    """FINESS gives one SIRET to two ESAT sites (Valençay and Levroux): they stay two actors."""
    source = make_source("finess")
    one = make_actor("ESAT de Valençay", source=source, siret="77518926900282", commune=geo["Châteauroux"])
    two = make_actor("ESAT de Levroux", source=source, siret="77518926900282", commune=geo["Bourges"])
    assert one.pk != two.pk


def test_newer_data_wins_and_corrections_win_over_every_import(geo):
    old = make_source("ancienne", data_date=dt.date(2019, 1, 1))
    new = make_source("recente", data_date=dt.date(2025, 1, 1))
    actor = make_actor("Structure", source=new, siret="34255976200279", commune=geo["Tours"], website="https://new.fr")
    make_actor("Structure", source=old, siret="34255976200279", commune=geo["Tours"], website="https://old.fr")
    actor.refresh_from_db()
    assert actor.website == "https://new.fr"
    agent = UserFactory()
    services.actor_correct(actor=actor, by=agent, changes={"website": "https://corrige.fr"}, reason="site vérifié")
    # A later import of the same source does not overwrite the correction.
    make_actor(
        "Structure",
        source=new,
        external_id=actor.records.get(source=new).external_id,
        siret="34255976200279",
        commune=geo["Tours"],
        website="https://newer.fr",
    )
    actor.refresh_from_db()
    assert actor.website == "https://corrige.fr"
    assert actor.records.get(source=new).values["website"] == "https://newer.fr"
    latest = actor.history.order_by("-history_date", "-history_id").filter(history_user=agent).first()
    assert latest.history_change_reason == "site vérifié" and latest.website == "https://corrige.fr"
    services.actor_correction_remove(actor=actor, by=agent, field_name="website")
    actor.refresh_from_db()
    assert actor.website == "https://newer.fr"


def test_correcting_an_unknown_field_is_refused(geo):
    actor = make_actor("Structure", commune=geo["Tours"])
    with pytest.raises(ValueError):
        services.actor_correct(actor=actor, by=UserFactory(), changes={"is_published": True})


def test_position_falls_back_to_the_commune_centroid(geo):
    actor = make_actor("Sans coordonnées", postcode="28500", city="VERNOUILLET")
    assert actor.commune == geo["Vernouillet"]
    assert (actor.latitude, actor.longitude, actor.location_precision) == (
        geo["Vernouillet"].latitude,
        geo["Vernouillet"].longitude,
        "commune",
    )


def test_cedex_postcode_resolves_through_the_town_name(geo):
    actor = make_actor("GEIQ 41", postcode="41018", city="BLOIS CEDEX")
    assert actor.commune == geo["Blois"]


def test_clean_siret_pads_a_lost_leading_zero_only_when_the_key_holds():
    assert loaders.clean_siret("34255976200279") == "34255976200279"
    assert loaders.clean_siret("342 559 762 00279") == "34255976200279"
    assert loaders.clean_siret("34255976200278") == ""  # wrong Luhn key
    assert loaders.clean_siret("") == ""


def test_demo_flag_follows_the_sources(geo):
    demo = make_source("demo", kind=SourceKind.DEMO)
    actor = make_actor("[Démonstration] Scop", source=demo, commune=geo["Tours"])
    assert actor.is_demo
    make_actor("[Démonstration] Scop", source=make_source("vraie"), commune=geo["Tours"])
    actor.refresh_from_db()
    assert not actor.is_demo  # a real source confirms it: it is no longer fictitious


@pytest.mark.skipif(not SHARED_GEO.exists(), reason="the shared regional geography is needed for this test")
def test_builtin_load_reads_the_real_lists_with_dates_and_licences_and_is_idempotent():
    from spaser.geo.services import geo_load_reference

    geo_load_reference(
        cog_file=SHARED_GEO / "cog_communes_centre-val-de-loire.csv",
        postcode_file=SHARED_GEO / "laposte_hexasmal_centre-val-de-loire.csv",
    )
    stats = loaders.builtin_load(demo=False)
    assert [rows for rows, _ in stats.values()] == [142, 79, 7, 2]
    # The 7 GEIQ of the 2019 list are the 7 GEIQ of the SIAE list: merged by SIRET.
    assert list(stats.values())[2] == (7, 0)
    assert Actor.objects.filter(is_demo=True).count() == 0
    assert all(source.licence and source.data_date for source in Source.objects.all())
    # Every actor is placed in a commune of the shared geography; positions come from the address or commune.
    assert Actor.objects.filter(commune=None).count() == 0
    assert Actor.objects.filter(latitude=None).count() == 0
    printerrea = Actor.objects.get(siret="75377852100066")
    assert printerrea.commune.code == "28404"  # "Vernouillet" in "28 - Eure-et-Loir"
    assert {n.code for n in printerrea.natures.all()} >= {"deee", "materiel_informatique"}
    assert "|ea|" in printerrea.kind_codes
    count = Actor.objects.count()
    records = ActorRecord.objects.count()
    again = loaders.builtin_load(demo=True)
    assert sum(created for _, created in list(again.values())[:4]) == 0
    assert Actor.objects.count() == count + 8  # only the demonstration actors are new
    assert ActorRecord.objects.count() == records + 8
    assert Actor.objects.filter(is_demo=True).count() == 8
    assert all(
        name.startswith("[Démonstration]")
        for name in Actor.objects.filter(is_demo=True).values_list("name", flat=True)
    )
