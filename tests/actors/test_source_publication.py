"""Publication by source: the official lists are on the public map once loaded; an agent withdraws or
republishes a whole source from the sources page, and the public map, its list and its GeoJSON follow."""

from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.actors import loaders, services
from spaser.actors.enums import SourceKind
from spaser.actors.models import Actor, ActorCellCount, Source
from tests.accounts.factories import UserFactory
from tests.actors.factories import make_actor, make_source

pytestmark = pytest.mark.usefixtures("taxonomy")
SHARED_GEO = Path("/work/shared/data/geo")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # cached GeoJSON answers of another test must not leak here


def public_names(client) -> set[str]:
    """The actors the public list beside the map shows (every page)."""
    names, page = set(), 1
    while True:
        response = client.get(reverse("actors:public_map"), {"page": page} if page > 1 else {})
        names |= {actor.name for actor in response.context["actors"]}
        if not response.context["page"].has_next():
            return names
        page += 1


def public_points(client) -> int:
    """Actors counted by the public GeoJSON (a point is one actor, a cluster says how many)."""
    features = client.get(reverse("actors:public_geojson")).json()["features"]
    return sum(feature["properties"].get("count", 1) for feature in features)


@pytest.mark.skipif(not SHARED_GEO.exists(), reason="the shared regional geography is needed for this test")
def test_after_the_bootstrap_the_public_map_shows_the_real_actors(client):
    from spaser.geo.services import geo_load_reference

    geo_load_reference(
        cog_file=SHARED_GEO / "cog_communes_centre-val-de-loire.csv",
        postcode_file=SHARED_GEO / "laposte_hexasmal_centre-val-de-loire.csv",
    )
    loaders.builtin_load(demo=True)
    official = Source.objects.filter(kind=SourceKind.OPEN_DATA)
    assert official.count() == 4 and all(source.is_published for source in official)
    assert not Source.objects.get(kind=SourceKind.DEMO).is_published  # fictitious actors stay internal
    real = Actor.objects.filter(records__source__in=official).distinct()
    assert real.count() == 223  # 142 + 79 + 7 + 2 lines, the 7 GEIQ merged into the SIAE list by SIRET
    assert set(Actor.objects.published().values_list("pk", flat=True)) == set(real.values_list("pk", flat=True))
    located = real.exclude(latitude=None).count()
    assert located == real.count()
    assert public_points(client) == located
    names = public_names(client)
    assert names == set(real.values_list("name", flat=True))
    assert not any(name.startswith("[Démonstration]") for name in names)

    # Reloading the lists changes nothing, and does not undo an agent's withdrawal of one actor.
    withdrawn = real.order_by("pk").first()
    services.actor_publish(actor=withdrawn, by=None, published=False)
    loaders.builtin_load(demo=True)
    withdrawn.refresh_from_db()
    assert not withdrawn.is_published
    assert Actor.objects.published().count() == real.count() - 1

    # An agent withdraws the ESAT list: its actors leave the public map, its list and its GeoJSON.
    esat = Source.objects.get(code="finess-esat-cvl")
    esat_actors = Actor.objects.filter(records__source=esat, is_published=True)
    esat_names, esat_count = set(esat_actors.values_list("name", flat=True)), esat_actors.count()
    assert esat_count > 70
    assert services.source_publish(source=esat, by=None, published=False) == esat_count
    cache.clear()
    assert not (public_names(client) & esat_names)
    assert public_points(client) == located - 1 - esat_count == Actor.objects.published().count()
    # Reloading does not republish a source an agent withdrew.
    loaders.builtin_load(demo=False)
    assert not Source.objects.get(code="finess-esat-cvl").is_published
    assert not Actor.objects.published().filter(records__source=esat).exists()


def test_withdrawing_a_source_keeps_the_actors_another_published_source_lists(geo):
    official = make_source("liste-officielle", kind=SourceKind.OPEN_DATA)
    partner = make_source("partenaire")
    Source.objects.filter(pk=official.pk).update(is_published=True)
    official.refresh_from_db()
    both = make_actor("Dans les deux", siret="34255976200279", commune=geo["Tours"], source=official)
    make_actor("Dans les deux", siret="34255976200279", commune=geo["Tours"], source=partner)
    only_partner = make_actor("Partenaire seul", commune=geo["Tours"], source=partner)
    assert (Actor.objects.get(pk=both.pk).is_published, only_partner.is_published) == (True, False)

    agent = UserFactory()
    assert services.source_publish(source=partner, by=agent, published=True) == 1
    assert Actor.objects.published().count() == 2
    assert services.source_publish(source=partner, by=agent, published=False) == 1
    assert list(Actor.objects.published().values_list("name", flat=True)) == ["Dans les deux"]
    only_partner.refresh_from_db()
    change = only_partner.history.first()
    assert (change.history_user, change.history_change_reason) == (agent, "Source retirée : Source partenaire")
    partner.refresh_from_db()
    assert (partner.is_published, partner.history.first().history_user) == (False, agent)
    # The map's per-cell counts follow: one published actor left.
    assert sum(ActorCellCount.objects.filter(level=0, kind="", is_published=True).values_list("count", flat=True)) == 1


def test_a_partner_list_is_not_published_until_an_agent_publishes_it(geo):
    partner = make_source("cress")
    make_actor("Scop du Loiret", commune=geo["Orléans"], source=partner)
    assert not partner.is_published
    assert not Actor.objects.published().exists()


def test_sources_page_lets_platform_administrators_withdraw_and_republish_a_source(
    client, geo, member_of, platform_admin, django_capture_on_commit_callbacks
):
    official = services.source_ensure(
        code="liste-officielle",
        name="Liste officielle",
        kind=SourceKind.OPEN_DATA,
        licence="Licence Ouverte 2.0",
        published_when_created=True,
    )
    make_actor("ESAT de Tours", commune=geo["Tours"], source=official)
    assert public_names(client) == {"ESAT de Tours"}

    url = reverse("actors:source_publish", args=[official.pk])
    for role in (Role.BUYER, Role.ENVIRONMENT, Role.ADMIN):  # an organisation's roles: the public map is shared
        client.force_login(member_of(role))
        page = client.get(reverse("actors:sources")).content.decode()
        assert "Publiée" in page and "de la carte publique</button>" not in " ".join(page.split())
        assert client.post(url, {"published": "0"}).status_code == 403
    assert public_names(client) == {"ESAT de Tours"}

    client.force_login(platform_admin)
    page = " ".join(client.get(reverse("actors:sources")).content.decode().split())
    assert 'Retirer<span class="visually-hidden"> « Liste officielle »</span> de la carte publique' in page
    with django_capture_on_commit_callbacks(execute=True):  # the commit invalidates the cached GeoJSON
        response = client.post(url, {"published": "0"}, follow=True)
    assert "Source « Liste officielle » retirée : 1 acteur retiré de la carte publique." in response.content.decode()
    client.logout()
    assert public_names(client) == set()
    assert public_points(client) == 0

    client.force_login(platform_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"published": "1"})
    client.logout()
    assert public_names(client) == {"ESAT de Tours"}
    assert public_points(client) == 1


def test_the_migration_publishes_the_official_lists_already_loaded(geo):
    """A database loaded before sources had a publication: its official lists and their actors are published,
    with the map's counts; a partner's list is left unpublished."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("spaser.actors.migrations.0006_source_publication")
    official = make_source("liste-officielle", kind=SourceKind.OPEN_DATA)
    partner = make_source("partenaire")
    esat = make_actor("ESAT de Tours", commune=geo["Tours"], source=official)
    make_actor("Scop de Tours", commune=geo["Tours"], source=partner)
    assert not Actor.objects.published().exists()

    migration.publish_official_lists(apps, None)
    assert list(Source.objects.filter(is_published=True)) == [official]
    assert list(Actor.objects.published()) == [esat]
    published_counts = ActorCellCount.objects.filter(level=0, kind="", is_published=True)
    assert sum(published_counts.values_list("count", flat=True)) == 1
