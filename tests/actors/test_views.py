import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from spaser.accounts.enums import Role
from spaser.actors import selectors
from spaser.actors.enums import ImportStatus
from spaser.actors.models import Actor, ActorImport
from tests.actors.factories import make_actor, point_at
from tests.contracts.factories import ContractFactory, ContractHolderFactory, SupplierFactory

pytestmark = pytest.mark.usefixtures("taxonomy")


@pytest.fixture
def buyer(client, member_of):
    user = member_of(Role.BUYER)
    client.force_login(user)
    return user


def test_search_page_filters_from_the_url_and_sorts_by_distance(client, buyer, geo):
    make_actor("Collecte DEEE Dreux", commune=geo["Dreux"], kinds=["waste_collection"], natures=["waste:deee"])
    make_actor("Printerrea", commune=geo["Vernouillet"], kinds=["ea"], natures=["waste:deee"])
    make_actor("Biodéchets Dreux", commune=geo["Dreux"], natures=["waste:biodechets"])
    make_actor("DEEE Tours", commune=geo["Tours"], natures=["waste:deee"])
    response = client.get(reverse("actors:search"), {"nature": "waste:deee", "lieu": "Dreux", "rayon": "30"})
    assert response.status_code == 200
    assert [actor.name for actor in response.context["actors"]] == ["Collecte DEEE Dreux", "Printerrea"]
    html = response.content.decode()
    assert "3,3 km" in html  # Vernouillet is 3.25 km from Dreux (centroids), French decimal comma
    assert 'id="actors-map"' in html and "data-geojson-url" in html
    assert "nature=waste%3Adeee" in html  # the export links keep the filters


def test_search_page_query_count_does_not_grow_with_results(client, buyer, geo, django_assert_max_num_queries):
    for index in range(30):
        make_actor(f"Acteur {index}", commune=geo["Tours"], kinds=["aci", "ess"])
    with django_assert_max_num_queries(16):
        response = client.get(reverse("actors:search"), {"lieu": "37261", "rayon": "10", "type": ["aci"]})
    assert response.context["page"].paginator.count == 30


def test_search_errors_are_shown_not_raised(client, buyer, geo):
    response = client.get(reverse("actors:search"), {"lieu": "Atlantide", "rayon": "30"})
    assert response.status_code == 200
    assert "Aucune commune" in response.content.decode()
    response = client.get(reverse("actors:search"), {"rayon": "30"})
    assert "Indiquez un lieu" in response.content.decode()


def test_geojson_returns_points_then_bounded_clusters(client, buyer, geo, monkeypatch):
    tours = geo["Tours"]
    for index in range(12):
        lat, lon = point_at(tours.latitude, tours.longitude, index * 2, index * 30)
        make_actor(f"Point {index}", latitude=lat, longitude=lon, commune=tours, kinds=["aci"])
    url = reverse("actors:geojson")
    data = client.get(url, {"lieu": "Tours", "rayon": "10"}).json()
    assert not data["clustered"]
    assert sorted(f["properties"]["name"] for f in data["features"]) == [f"Point {i}" for i in range(5)]
    assert data["features"][0]["properties"]["url"].startswith("/acteurs/")
    monkeypatch.setattr(selectors, "MAX_MAP_FEATURES", 3)
    data = client.get(url, {"bbox": "-5,41,10,51"}).json()
    assert data["clustered"]
    assert sum(f["properties"]["count"] for f in data["features"]) == 12
    assert len(data["features"]) <= selectors.CLUSTER_GRID**2
    data = client.get(url, {"lieu": "Tours", "rayon": "30"}).json()
    assert data["clustered"] and sum(f["properties"]["count"] for f in data["features"]) == 12
    assert client.get(url, {"lat": "40.4", "lon": "-3.7"}).status_code == 400  # Madrid: not in France


def test_detail_shows_contracts_won_with_the_organisation(client, buyer, geo, organisation):
    actor = make_actor("Envie Touraine", siret="34255976200279", commune=geo["Tours"], kinds=["ei"])
    supplier = SupplierFactory(siren="342559762", key="342559762", identifier="34255976200279")
    ours = ContractFactory(buyer=organisation, object="Collecte des DEEE des lycées")
    ContractHolderFactory(contract=ours, supplier=supplier)
    ContractHolderFactory(contract=ContractFactory(object="Marché d'un autre acheteur"), supplier=supplier)
    response = client.get(reverse("actors:detail", args=[actor.pk]))
    html = response.content.decode()
    assert "A déjà travaillé avec nous" in html
    assert "Collecte des DEEE des lycées" in html
    assert "Marché d'un autre acheteur" not in html
    assert "1 contrat d'autres acheteurs" in html
    assert "Licence Ouverte 2.0" in html  # the source's licence is shown


def test_demonstration_actor_is_labelled_on_list_detail_export_and_map(client, buyer, geo):
    from spaser.actors.enums import SourceKind
    from tests.actors.factories import make_source

    demo = make_actor("[Démonstration] Scop", source=make_source("demo", kind=SourceKind.DEMO), commune=geo["Tours"])
    assert "Démonstration : acteur fictif" in client.get(reverse("actors:search")).content.decode()
    assert "fictif" in client.get(reverse("actors:detail", args=[demo.pk])).content.decode()
    export = b"".join(client.get(reverse("actors:export_csv")).streaming_content).decode("utf-8-sig")
    assert next(csv.DictReader(io.StringIO(export)))["demonstration"] == "oui"
    feature = client.get(reverse("actors:geojson")).json()["features"][0]
    assert feature["properties"]["demo"] is True


def test_exports_follow_the_search(client, buyer, geo):
    make_actor("Proche", commune=geo["Saint-Avertin"], siret="34255976200279")
    make_actor("Lointain", commune=geo["Orléans"])
    csv_text = b"".join(
        client.get(reverse("actors:export_csv"), {"lieu": "Tours", "rayon": "20"}).streaming_content
    ).decode("utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[0].startswith("id,nom,siret")
    assert len(lines) == 2 and "Proche" in lines[1] and "34255976200279" in lines[1]
    response = client.get(reverse("actors:export_xlsx"), {"lieu": "Tours", "rayon": "200"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == ["Proche", "Lointain"]


def test_correction_through_the_form_is_kept_apart_from_imports(client, geo, platform_admin):
    client.force_login(platform_admin)
    actor = make_actor("Atelier", commune=geo["Tours"], website="https://ancien.fr")
    url = reverse("actors:correct", args=[actor.pk])
    form = client.get(url).context["form"]
    data = {name: form.initial.get(name) or "" for name in form.FIELDS}
    data.update(website="https://nouveau.fr", reason="Site vérifié par téléphone", kinds=[])
    response = client.post(url, data)
    assert response.status_code == 302
    actor.refresh_from_db()
    assert actor.website == "https://nouveau.fr"
    assert actor.corrections == {"website": "https://nouveau.fr"}
    assert actor.records.get().values["website"] == "https://ancien.fr"
    data.update(latitude="40.4", longitude="-3.7")
    assert "hors de France" in client.post(url, data).content.decode()


def test_partner_import_through_the_pages(client, geo, platform_admin, django_capture_on_commit_callbacks):
    client.force_login(platform_admin)
    content = "Nom;SIRET;Code postal;Ville;Colonne inconnue\nEnvie;34255976200279;37000;Tours;x\nSans ville;;;;y\n"
    response = client.post(
        reverse("actors:import_create"),
        {
            "file": SimpleUploadedFile("cress.csv", content.encode("utf-8")),
            "source_name": "CRESS",
            "source_publisher": "CRESS Centre-Val de Loire",
            "source_licence": "Licence Ouverte 2.0",
            "source_date": "2026-06-01",
        },
    )
    batch = ActorImport.objects.get()
    assert response.url == reverse("actors:import_mapping", args=[batch.pk])
    mapping_page = client.get(response.url)
    assert "Colonne inconnue" in mapping_page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the preview runs in the worker (immediate in tests)
        response = client.post(response.url, {"col_0": "name", "col_1": "siret", "col_2": "postcode", "col_3": "city"})
    assert response.url == reverse("actors:import_detail", args=[batch.pk])
    preview = client.get(response.url).content.decode()
    assert "Nouvel acteur : 1" in preview and "Rejeté : 1" in preview and "Adresse sans commune" in preview
    assert not Actor.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("actors:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CONFIRMED
    assert (
        Actor.objects.get().source_names == ["CRESS"] if hasattr(Actor, "source_names") else Actor.objects.count() == 1
    )
    rejected = client.get(reverse("actors:import_detail", args=[batch.pk]), {"resultat": "reject"}).content.decode()
    assert "Sans ville" in rejected


def test_mapping_requires_a_name_column(client, geo, platform_admin):
    client.force_login(platform_admin)
    client.post(
        reverse("actors:import_create"),
        {
            "file": SimpleUploadedFile("liste.csv", b"A;B\n1;2\n"),
            "source_name": "URSCOP",
            "source_licence": "Licence Ouverte 2.0",
            "source_date": dt.date(2026, 1, 1).isoformat(),
        },
    )
    batch = ActorImport.objects.get()
    response = client.post(reverse("actors:import_mapping", args=[batch.pk]), {"col_0": "siret", "col_1": ""})
    assert "nom de la structure" in response.content.decode()


def test_public_map_shows_published_actors_only(client, geo, django_assert_max_num_queries):
    published = make_actor("Publié", commune=geo["Tours"])
    published.is_published = True
    published.save()
    make_actor("Interne", commune=geo["Tours"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("actors:public_map"))
    assert [actor.name for actor in response.context["actors"]] == ["Publié"]
    names = [f["properties"]["name"] for f in client.get(reverse("actors:public_geojson")).json()["features"]]
    assert names == ["Publié"]
    assert "Exporter" not in response.content.decode()


def test_potential_suppliers_page(client, buyer, geo, families):
    make_actor("ESAT Tours", commune=geo["Tours"], kinds=["esat"], families=["NETTOYAGE"])
    response = client.get(reverse("actors:potential_suppliers"), {"famille": "NETTOYAGE", "commune": "37261"})
    html = response.content.decode()
    assert "Réserver un lot" in html and "L2113-12" in html


def test_list_without_place_is_paginated_by_name_in_the_database(client, buyer, geo, django_assert_max_num_queries):
    for index in range(55):
        make_actor(f"Structure {index:02d}", commune=geo["Tours"])
    with django_assert_max_num_queries(16):
        response = client.get(reverse("actors:search"), {"page": "2"})
    assert response.context["page"].paginator.count == 55
    assert [actor.name for actor in response.context["actors"]] == [f"Structure {i}" for i in range(50, 55)]
    assert not response.context["by_distance"]


def test_import_page_shows_the_progress_of_a_running_step(client, geo, platform_admin, organisation, monkeypatch):
    from spaser.actors import progress

    admin = platform_admin
    client.force_login(admin)
    batch = ActorImport.objects.create(
        organisation=organisation,
        created_by=admin,
        file_name="grosse-liste.csv",
        file_format="table",
        source_name="CRESS",
        source_licence="Licence Ouverte 2.0",
        source_date="2026-01-01",
        headers=["Nom"],
        mapping={"Nom": "name"},
        rows=[{"Nom": "Structure"}],
        running="confirm",
    )
    monkeypatch.setattr(progress, "read", lambda batch_id: {"done": 4000, "total": 16000})
    page = client.get(reverse("actors:import_detail", args=[batch.pk])).content.decode()
    assert "Import en cours en arrière-plan" in page and "4000 lignes sur 16000 (25 %)" in page
    assert "Confirmer l&#x27;import" not in page  # no second confirmation while the first one runs
    response = client.post(reverse("actors:import_confirm", args=[batch.pk]))
    assert response.status_code == 302 and ActorImport.objects.get(pk=batch.pk).status == "preview"
    fragment = client.get(reverse("actors:import_progress", args=[batch.pk]), headers={"HX-Request": "true"})
    assert "HX-Refresh" not in fragment
    ActorImport.objects.filter(pk=batch.pk).update(running="")
    fragment = client.get(reverse("actors:import_progress", args=[batch.pk]), headers={"HX-Request": "true"})
    assert fragment["HX-Refresh"] == "true"


def _correction_data(form, **changes):
    data = {name: form.initial.get(name) if form.initial.get(name) is not None else "" for name in form.FIELDS}
    data.update(
        kinds=[kind.pk for kind in form.initial["kinds"]],
        natures=form.initial["natures"],
        labels=form.initial["labels"],
        families=[family.pk for family in form.initial["families"]],
        area_codes=form.initial["area_codes"],
        reason="Vérifié auprès de la structure",
    )
    data.update(changes)
    return data


def test_correction_form_covers_natures_labels_families_commune_and_area(client, geo, platform_admin, families):
    client.force_login(platform_admin)
    actor = make_actor("Ressourcerie", commune=geo["Tours"], kinds=["ressourcerie"], natures=["waste:deee"])
    url = reverse("actors:correct", args=[actor.pk])
    form = client.get(url).context["form"]
    data = _correction_data(
        form,
        natures=["waste:deee", "waste:mobilier"],
        labels=["label:bio"],
        families=[families["MOBILIER"].pk],
        commune_code="28134",
        area_kind="departements",
        area_codes="28, 37",
    )
    assert client.post(url, data).status_code == 302
    actor.refresh_from_db()
    assert actor.corrections == {
        "natures": ["label:bio", "waste:deee", "waste:mobilier"],
        "families": ["MOBILIER"],
        "commune_code": "28134",
        "area_kind": "departements",
        "area_codes": ["28", "37"],
    }
    assert actor.commune == geo["Dreux"] and actor.area_codes == ["28", "37"]
    assert sorted(f"{n.axis}:{n.code}" for n in actor.natures.all()) == actor.corrections["natures"]
    assert actor.records.get().values["natures"] == ["waste:deee"]  # the imported layer is untouched
    assert actor.history.first().history_change_reason == "Vérifié auprès de la structure"
    detail = client.get(reverse("actors:detail", args=[actor.pk])).content.decode()
    assert "Mobilier" in detail and "Départements" in detail
    assert "Code INSEE de la commune : 28134" in detail and "Familles d&#x27;achat servies : MOBILIER" in detail


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"area_kind": "communes", "area_codes": "37261, 99999"}, "area_codes", "inconnu : 99999"),
        ({"area_kind": "departements", "area_codes": ""}, "area_codes", "au moins un code"),
        ({"area_kind": "radius", "area_radius_km": ""}, "area_radius_km", "Indiquez le rayon"),
        ({"area_kind": "national", "area_codes": "37"}, "area_codes", "ne s'indiquent que"),
        ({"commune_code": "00000"}, "commune_code", "Aucune commune"),
    ],
)
def test_correction_form_names_the_bad_field(client, geo, platform_admin, changes, field, message):
    client.force_login(platform_admin)
    actor = make_actor("Atelier", commune=geo["Tours"])
    url = reverse("actors:correct", args=[actor.pk])
    response = client.post(url, _correction_data(client.get(url).context["form"], **changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    actor.refresh_from_db()
    assert actor.corrections == {}  # nothing half-saved


def test_bulk_publication_from_the_list_for_platform_administrators_only(client, geo, member_of, platform_admin):
    tours = geo["Tours"]
    first = make_actor("Premier", commune=tours)
    second = make_actor("Second", commune=tours)
    other = make_actor("Autre", commune=tours)
    for role in (Role.BUYER, Role.ADMIN, Role.ENVIRONMENT):  # an organisation's roles: the map is shared
        client.force_login(member_of(role))
        assert "publication-groupee" not in client.get(reverse("actors:search"), {"lieu": "Tours"}).content.decode()
        assert client.post(reverse("actors:publish_bulk"), {"actor": [first.pk], "published": "1"}).status_code == 403
        assert not Actor.objects.filter(is_published=True).exists()
    client.force_login(platform_admin)
    page = client.get(reverse("actors:search"), {"lieu": "Tours"}).content.decode()
    assert 'id="publication-groupee"' in page and "Sélectionner Premier" in page
    response = client.post(
        reverse("actors:publish_bulk"), {"actor": [first.pk, second.pk], "published": "1", "query": "lieu=Tours"}
    )
    assert response.url == reverse("actors:search") + "?lieu=Tours"
    assert set(Actor.objects.filter(is_published=True).values_list("pk", flat=True)) == {first.pk, second.pk}
    assert Actor.objects.get(pk=first.pk).history.first().history_change_reason == "Publication sur la carte publique"
    client.post(reverse("actors:publish_bulk"), {"actor": [second.pk, other.pk], "published": "0"})
    assert set(Actor.objects.filter(is_published=True).values_list("pk", flat=True)) == {first.pk}
    public = client.get(reverse("actors:public_map")).content.decode()
    shown = {actor.pk for actor in (first, second, other) if f'data-actor-id="{actor.pk}"' in public}
    assert shown == {first.pk}
