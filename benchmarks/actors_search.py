"""Actor search benchmark (issue 8): synthetic actors across France, then
- the search of the list page: kind + 30 km radius around a commune + text, first page of 50 (p50/p95);
- the map's GeoJSON endpoint (bounded: points or clusters) for a regional box and for the whole of France.
Not part of the test suite; results go in docs/benchmarks.md ("Acteurs responsables" section).

    .venv/bin/python benchmarks/actors_search.py --actors 500000 --databases sqlite postgres

Each database is fresh: SQLite in a temporary file; PostgreSQL a throw-away database on PG_URL
(default postgres://postgres@127.0.0.1:5432). Actors are placed around real commune centroids (the
project's geographic reference), so their density follows the communes'. They are written with bulk
inserts (not through the import services, which would take hours for 500,000 rows), with the same derived
columns the services compute (grid cell, kind codes, folded search text, kinds M2M).
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = ["solidaire", "insertion", "recyclerie", "atelier", "jardin", "collecte", "services", "bois", "vert", "avenir"]
KINDS = ["aci", "ei", "ai", "etti", "esat", "ea", "ess", "scop", "ressourcerie", "waste_collection", "local_producer"]


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def child(args):
    """Runs inside a process whose environment points at the benchmark database."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    django.setup()
    from django.test.utils import override_settings

    # Production storage needs collectstatic's manifest; the pages only need the URLs of static files.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from spaser.accounts.enums import Role
    from spaser.accounts.models import Membership, User
    from spaser.actors import geometry, selectors
    from spaser.actors.models import Actor, ActorArea, Kind
    from spaser.actors.services import area_keys, cell_counts_rebuild, data_version_bump, fold, taxonomy_load
    from spaser.geo.models import Commune
    from spaser.geo.services import geo_load_reference

    rng = random.Random(8)
    started = time.perf_counter()
    call_command("migrate", verbosity=0, skip_checks=True)
    call_command("createcachetable", verbosity=0)
    if Actor.objects.count() == args.actors:
        print("  base conservée réutilisée (--keep)", flush=True)
        generate = False
    else:
        Actor.objects.all().delete()
        generate = True
    geo_load_reference()
    taxonomy_load()
    kinds = {kind.code: kind.pk for kind in Kind.objects.all()}
    communes = list(Commune.objects.exclude(latitude=None).values_list("pk", "name", "latitude", "longitude"))
    metropolitan = [c for c in communes if geometry.in_france(c[2], c[3]) and c[2] > 41]
    print(f"  référentiel chargé en {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    if generate:
        through = Actor.kinds.through
        batch, links, areas = [], [], []
        departements = dict(Commune.objects.values_list("pk", "departement__code"))
        next_id = 1
        for index in range(args.actors):
            commune_pk, commune_name, lat, lon = rng.choice(metropolitan)
            lat += rng.uniform(-0.02, 0.02)
            lon += rng.uniform(-0.03, 0.03)
            chosen = rng.sample(KINDS, rng.choice((1, 1, 2)))
            name = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {index}"
            # 2 % intervene in their département and the next one, 1 % within 20 to 100 km of their address.
            area = {}
            draw = rng.random()
            if draw < 0.02:
                departement = departements[commune_pk]
                neighbour = f"{int(departement) % 95 + 1:02d}" if departement.isdigit() else departement
                area = {"area_kind": "departements", "area_codes": sorted({departement, neighbour})}
            elif draw < 0.03:
                area = {"area_kind": "radius", "area_radius_km": rng.choice((20, 50, 100))}
            actor = Actor(
                id=next_id,
                name=name,
                city=commune_name,
                commune_id=commune_pk,
                latitude=lat,
                longitude=lon,
                location_precision="commune",
                cell=geometry.cell_of(lat, lon),
                kind_codes="|" + "|".join(sorted(chosen)) + "|",
                search_text=fold(f"{name} {commune_name}"),
                is_published=index % 3 == 0,
                **area,
            )
            batch.append(actor)
            areas.extend(
                ActorArea(actor_id=next_id, key=key, kind_codes=actor.kind_codes) for key in sorted(area_keys(actor))
            )
            links.extend(through(actor_id=next_id, kind_id=kinds[code]) for code in chosen)
            next_id += 1
            if len(batch) == 5000:
                Actor.objects.bulk_create(batch)
                through.objects.bulk_create(links)
                ActorArea.objects.bulk_create(areas)
                batch, links, areas = [], [], []
        Actor.objects.bulk_create(batch)
        through.objects.bulk_create(links)
        ActorArea.objects.bulk_create(areas)
        cell_counts_rebuild()  # the counts the services keep for the map's clusters
        with connection.cursor() as cursor:
            # Statistics (and, on PostgreSQL, the visibility map that index-only scans need), as in a settled base.
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        print(f"  {args.actors} acteurs écrits en {time.perf_counter() - started:.0f} s", flush=True)
    rng = random.Random(9)  # the queries are the same whether the actors were written now or kept

    from spaser.accounts.demo import home_organisation_ensure

    organisation = home_organisation_ensure()
    user = User.objects.filter(email="bench@example.fr").first()
    if user is None:
        user = User.objects.create_user(email="bench@example.fr", password="x" * 16)
        Membership.objects.create(user=user, organisation=organisation, role=Role.BUYER)
    client = Client()
    client.force_login(user)

    def timed(function, repeat):
        durations = []
        for _ in range(repeat):
            begin = time.perf_counter()
            function()
            durations.append((time.perf_counter() - begin) * 1000)
        return durations

    def search_once():
        _, name, lat, lon = rng.choice(metropolitan)
        filters = selectors.ActorFilters(
            kinds=[rng.choice(KINDS)],
            q=rng.choice(WORDS),
            centre=selectors.Centre(name, lat, lon),
            radius_km=30,
        )
        hits, _ = selectors.actors_search(filters, Actor.objects.all())
        selectors.actors_list_rows(hits[:50], Actor.objects.all())
        counts.append(len(hits))

    counts = []
    results = {"search": timed(search_once, args.queries)}
    results["search_hits_median"] = [statistics.median(counts)]

    def page_once():
        code = rng.choice(metropolitan)
        commune = Commune.objects.get(pk=code[0])
        response = client.get(
            "/acteurs/",
            {"type": rng.choice(KINDS), "q": rng.choice(WORDS), "lieu": commune.code, "rayon": "30"},
            HTTP_HOST="127.0.0.1",
        )
        assert response.status_code == 200, response.status_code

    results["search_page_http"] = timed(page_once, args.queries)

    sizes = []

    def regional_geojson():
        _, _, lat, lon = rng.choice(metropolitan)
        bbox = f"{lon - 1.5:.4f},{lat - 1:.4f},{lon + 1.5:.4f},{lat + 1:.4f}"
        response = client.get(
            "/acteurs/carte.geojson", {"bbox": bbox, "type": rng.choice(KINDS)}, HTTP_HOST="127.0.0.1"
        )
        assert response.status_code == 200
        sizes.append(len(response.json()["features"]))

    def france_geojson(cold=True):
        if cold:  # a new data version: the cached answer is not used
            data_version_bump()
        response = client.get("/acteurs/carte.geojson", {"bbox": "-5.5,41.2,9.9,51.2"}, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200
        sizes.append(len(response.json()["features"]))

    def radius_geojson():
        code = rng.choice(metropolitan)
        response = client.get(
            "/acteurs/carte.geojson",
            {"lat": f"{code[2]:.5f}", "lon": f"{code[3]:.5f}", "rayon": "30", "type": rng.choice(KINDS)},
            HTTP_HOST="127.0.0.1",
        )
        assert response.status_code == 200, response.content[:200]
        sizes.append(len(response.json()["features"]))

    results["geojson_region_kind"] = timed(regional_geojson, args.queries)
    results["geojson_france_all_cold"] = timed(france_geojson, max(10, args.queries // 10))
    results["geojson_france_all_cached"] = timed(lambda: france_geojson(cold=False), max(10, args.queries // 10))
    results["geojson_radius_kind"] = timed(radius_geojson, args.queries)
    results["geojson_max_features"] = [max(sizes)]
    for name, values in results.items():
        if len(values) == 1:
            print(f"  {name}: {values[0]:.0f}")
        else:
            print(
                f"  {name}: p50 {percentile(values, 50):.1f} ms, p95 {percentile(values, 95):.1f} ms, "
                f"max {max(values):.1f} ms ({len(values)} requêtes)"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, default=500_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="keep the databases (SQLite in DIR, PostgreSQL's spaser_actors_bench) and reuse them when they "
        "already hold the actors (to measure several versions of the queries without writing 500,000 actors "
        "each time)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    pg_url = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
    for database in args.databases:
        with tempfile.TemporaryDirectory(prefix="spaser-actors-bench-") as tmp:
            if args.keep and database == "sqlite":
                Path(args.keep).mkdir(parents=True, exist_ok=True)
                tmp = args.keep
            env = {**os.environ, "SPASER_VAR_DIR": tmp, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
            env["DJANGO_DEBUG"] = "False"  # DEBUG keeps every query in memory
            if database == "postgres":
                name = "spaser_actors_bench"
                if not args.keep:
                    subprocess.run(
                        ["psql", pg_url + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True
                    )
                exists = subprocess.run(
                    ["psql", pg_url + "/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.strip()
                if not exists:
                    subprocess.run(["psql", pg_url + "/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
                env["DATABASE_URL"] = f"{pg_url}/{name}"
            else:
                env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            print(f"{database} — {args.actors} acteurs", flush=True)
            command = [
                sys.executable,
                __file__,
                "--child",
                "--actors",
                str(args.actors),
                "--queries",
                str(args.queries),
            ]
            subprocess.run(command, env=env, check=True, cwd=ROOT)
            if database == "postgres" and not args.keep:
                subprocess.run(["psql", pg_url + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)


if __name__ == "__main__":
    main()
