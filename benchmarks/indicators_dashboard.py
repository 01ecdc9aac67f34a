"""Indicators benchmark: full recompute of every computed indicator for one organisation and every year, and
the server time of the dashboard overview and of an indicator page, on N synthetic contracts.

Not part of the test suite; results go in docs/benchmarks.md (section "Indicateurs").

    .venv/bin/python benchmarks/indicators_dashboard.py --contracts 1000000
    .venv/bin/python benchmarks/indicators_dashboard.py --contracts 100000 --keep   # keep the database

PostgreSQL only: PG_URL (default postgres://postgres@127.0.0.1:5432), throw-away database
``spaser_bench_indicators`` (dropped and re-created, then migrated). Data are written with COPY:
5 buyers of the same region (the home organisation holds 40 % of the contracts), 2020-2024, 20,000 suppliers,
one initial holder per contract, 10 validated purchase forms per 1,000 contracts of the home organisation (each
with three award criteria, a direction and a family, and linked to one of its contracts), realistic shares of
considerations; contracts spread over the purchase families and six départements of execution (the scopes).
"""

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = "spaser_bench_indicators"
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
YEARS = [2020, 2021, 2022, 2023, 2024]
BUYERS = 5


def prepare_database():
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        connection.execute(f"CREATE DATABASE {DB_NAME}")
    env = {**os.environ, "DATABASE_URL": f"{PG_URL}/{DB_NAME}", "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)


def setup_django():
    os.environ["DATABASE_URL"] = f"{PG_URL}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # measure pages as in production (no query log, no template debug)
    # No collectstatic here: plain static storage instead of the manifest one (same template work).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _default(field):
    from django.db.models import NOT_PROVIDED

    if field.null:
        return None
    if field.default is not NOT_PROVIDED:
        value = field.default() if callable(field.default) else field.default
        return json.dumps(value) if field.get_internal_type() == "JSONField" else value
    internal = field.get_internal_type()
    if internal == "JSONField":
        return "{}"
    if internal in {"DateTimeField"}:
        return dt.datetime(2024, 1, 1, tzinfo=dt.UTC).isoformat()
    return ""


def copy_rows(model, rows, overrides_columns):
    """COPY ``rows`` (tuples for ``overrides_columns``) into ``model``; other columns take their default."""
    from django.db import connection

    with connection.cursor() as cursor:
        existing = {
            column.name for column in connection.introspection.get_table_description(cursor, model._meta.db_table)
        }
    # Only the columns the migrated database has (a model field still without its migration is left out).
    fields = [field for field in model._meta.concrete_fields if field.column in existing]
    columns = [field.column for field in fields]
    defaults = {field.column: _default(field) for field in fields}
    positions = {column: index for index, column in enumerate(overrides_columns)}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"  # noqa: S608 (benchmark, fixed names)
        ) as copy:
            for row in rows:
                copy.write_row(
                    [row[positions[column]] if column in positions else defaults[column] for column in columns]
                )


def generate(contract_count, seed=1):
    from django.conf import settings
    from django.db import connection

    from spaser.accounts.models import Direction, Organisation
    from spaser.contracts.models import Contract, ContractHolder
    from spaser.geo.models import Departement, Region
    from spaser.referentiel.models import Family
    from spaser.referentiel.services import referentiel_defaults_ensure
    from spaser.strategies.models import AwardCriterion, ProjectContract, PurchaseProject
    from spaser.suppliers.models import Supplier

    rng = random.Random(seed)
    home, _ = Organisation.objects.get_or_create(
        siret=settings.SPASER_ORGANISATION_SIRET,
        defaults={"name": "Région Centre-Val de Loire", "kind": "region", "region_code": "24"},
    )
    referentiel_defaults_ensure(organisation=home)
    buyers = [home] + [
        Organisation.objects.get_or_create(
            siret=f"2100000000{index:04d}",
            defaults={"name": f"Acheteur {index}", "kind": ["commune", "departement", "epci"][index % 3]},
        )[0]
        for index in range(1, BUYERS)
    ]
    Organisation.objects.filter(pk__in=[buyer.pk for buyer in buyers]).update(region_code="24")
    home.refresh_from_db()
    region = Region.objects.get_or_create(code="24", defaults={"name": "Centre-Val de Loire"})[0]
    departements = [
        Departement.objects.get_or_create(code=code, defaults={"name": f"Département {code}", "region": region})[0].pk
        for code in ["18", "28", "36", "37", "41", "45"]
    ]
    families = list(Family.objects.exclude(parent=None).values_list("pk", flat=True))
    directions = [
        Direction.objects.get_or_create(organisation=home, code=code, defaults={"name": f"Direction {code}"})[0].pk
        for code in ["DAJ", "DPAT", "DLY", "DNUM"]
    ]
    home_contracts = []
    now = dt.datetime.now(dt.UTC).isoformat()
    started = time.perf_counter()
    supplier_count = 20_000
    categories = ["tpe", "pme", "pme", "eti", "ge", ""]
    copy_rows(
        Supplier,
        (
            (
                index,
                f"{300000000 + index}",
                f"{300000000 + index}",
                "SIRET",
                f"{300000000 + index}00011",
                f"Fournisseur {index}",
                rng.choice(categories),
                rng.random() < 0.08,
                now,
                now,
            )
            for index in range(1, supplier_count + 1)
        ),
        [
            "id",
            "key",
            "siren",
            "identifier_type",
            "identifier",
            "name",
            "category",
            "is_ess",
            "created_at",
            "updated_at",
        ],
    )

    def contracts():
        for index in range(1, contract_count + 1):
            buyer = home if rng.random() < 0.4 else buyers[rng.randrange(1, BUYERS)]
            if buyer is home:
                home_contracts.append(index)
            year = rng.choice(YEARS)
            notified = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
            env_clause = rng.random() < 0.25
            env_criterion = rng.random() < 0.2
            social_clause = rng.random() < 0.15
            social_criterion = rng.random() < 0.08
            reserved = rng.random() < 0.02
            yield (
                index,
                "market",
                buyer.pk,
                buyer.siret,
                f"B{index}",
                "market",
                f"Marché synthétique {index}",
                "45000000",
                "45",
                "adapted",
                rng.choice([1, 1, 2, 3, 5, None]),
                rng.random() < 0.3,
                rng.random() < 0.1,
                notified,
                rng.randint(40_000, 2_000_000),
                True,
                env_clause,
                env_criterion,
                not (env_clause or env_criterion),
                social_clause,
                social_criterion,
                reserved,
                not (social_clause or social_criterion or reserved),
                "2024",
                "[]",
                "bench.json",
                "x",
                "{}",
                rng.choice(families),
                rng.choice(departements),
                now,
                now,
            )

    copy_rows(
        Contract,
        contracts(),
        [
            "id",
            "kind",
            "buyer_id",
            "buyer_siret",
            "external_id",
            "nature",
            "object",
            "cpv",
            "cpv_division",
            "procedure",
            "offers_received",
            "advance",
            "subcontracting_declared",
            "notified_on",
            "initial_amount",
            "considerations_published",
            "environmental_clause",
            "environmental_criterion",
            "environmental_none",
            "social_clause",
            "social_criterion",
            "social_reserved",
            "social_none",
            "format_version",
            "sources",
            "source_file",
            "content_hash",
            "raw",
            "family_id",
            "place_departement_id",
            "created_at",
            "updated_at",
        ],
    )
    copy_rows(
        ContractHolder,
        (
            (index, index, 1, "SIRET", "x", rng.randint(1, supplier_count), True, True)
            for index in range(1, contract_count + 1)
        ),
        ["id", "contract_id", "rank", "identifier_type", "identifier", "supplier_id", "is_initial", "is_current"],
    )
    form_count = int(contract_count * 0.4 / 100)  # 10 forms per 1,000 contracts of the home organisation

    def forms():
        for index in range(1, form_count + 1):
            year = rng.choice(YEARS)
            validated = dt.datetime(year, rng.randint(1, 12), rng.randint(1, 28), tzinfo=dt.UTC)
            yield (
                index,
                home.pk,
                "validated",
                f"Fiche {index}",
                "services",
                rng.random() < 0.3,
                rng.choice([None, 0, 300, 1200]),
                rng.choice(["", "", "", "siae"]),
                "" if rng.random() < 0.7 else "Aucun levier social.",
                '{"format": 1}',
                validated.isoformat(),
                rng.choice(directions),
                rng.choice(families),
                now,
                now,
            )

    copy_rows(
        PurchaseProject,
        forms(),
        [
            "id",
            "organisation_id",
            "state",
            "subject",
            "nature",
            "insertion_clause",
            "insertion_hours",
            "reservation",
            "social_justification",
            "snapshot",
            "validated_at",
            "direction_id",
            "family_id",
            "created_at",
            "updated_at",
        ],
    )
    copy_rows(
        ProjectContract,
        (
            (index, index, contract, now, now)
            for index, contract in enumerate(rng.sample(home_contracts, form_count), start=1)
        ),
        ["id", "project_id", "contract_id", "created_at", "updated_at"],
    )

    def criteria():
        identifier = 0
        for form in range(1, form_count + 1):
            env = rng.choice([0, 5, 10, 12, 15, 20])
            for position, (kind, weight) in enumerate(
                [("price", 60 - env), ("technical", 40), ("environmental", env)]
            ):
                identifier += 1
                yield (identifier, form, kind, kind, weight, False, position, now, now)

    copy_rows(
        AwardCriterion,
        criteria(),
        [
            "id",
            "project_id",
            "label",
            "kind",
            "weight",
            "includes_environment",
            "position",
            "created_at",
            "updated_at",
        ],
    )
    with connection.cursor() as cursor:
        for model in (Supplier, Contract, ContractHolder, PurchaseProject, AwardCriterion, ProjectContract):
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cursor.execute("ANALYZE")
    return home, time.perf_counter() - started, form_count


def median_ms(function, runs):
    function()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contracts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="Reuse the database of a previous run (no generation)")
    args = parser.parse_args()
    if not args.reuse:
        prepare_database()
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from spaser.accounts.enums import Role
    from spaser.accounts.models import Membership, Organisation, User
    from spaser.contracts.models import Contract
    from spaser.indicators import registry
    from spaser.indicators.services import indicator_values_compute, years_to_compute
    from spaser.referentiel.models import Indicator

    if args.reuse:
        home, generation, forms = Organisation.objects.get(siret=settings.SPASER_ORGANISATION_SIRET), 0.0, None
    else:
        home, generation, forms = generate(args.contracts)
    total = Contract.objects.count()
    own = Contract.objects.filter(buyer=home).count()
    years = years_to_compute(home)
    start = time.perf_counter()
    stored = indicator_values_compute(organisation=home, years=years)
    recompute = time.perf_counter() - start
    # The organisation-wide values alone (calendar years and SPASER periods), without the scopes.
    start = time.perf_counter()
    stored_wide = indicator_values_compute(organisation=home, years=years, scopes=False)
    recompute_wide = time.perf_counter() - start
    # Warm recompute (buffers filled).
    start = time.perf_counter()
    indicator_values_compute(organisation=home, years=years)
    recompute_warm = time.perf_counter() - start
    from spaser.indicators.services import LINK_KEYS

    start = time.perf_counter()
    indicator_values_compute(organisation=home, years=years, keys=LINK_KEYS)
    recompute_links = time.perf_counter() - start  # what a confirmed contract-form link triggers

    settings.ALLOWED_HOSTS = ["*"]
    user, _ = User.objects.get_or_create(email="bench@example.org")
    Membership.objects.get_or_create(user=user, organisation=home, role=Role.READER)
    client = Client()
    client.force_login(user)
    indicator = Indicator.objects.get(spaser__organisation=home, code="PNAD-ENV")
    overview_url = reverse("indicators:overview") + "?annee=2024"
    indicator_url = reverse("indicators:indicator", args=[indicator.pk]) + "?annee=2024"
    drill_url = reverse("indicators:drilldown", args=[indicator.pk, 2024])
    family = Contract.objects.filter(buyer=home).values_list("family__code", flat=True).first()
    scope_url = indicator_url + "&perimetre=family&periode=2023-2027"
    scope_drill_url = drill_url + f"?perimetre=family&valeur={family}"

    def get(url):
        def run():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return run

    overview = median_ms(get(overview_url), args.runs)
    indicator_page = median_ms(get(indicator_url), args.runs)
    drill = median_ms(get(drill_url), args.runs)
    scope_page = median_ms(get(scope_url), args.runs)
    scope_drill = median_ms(get(scope_drill_url), args.runs)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    print(
        json.dumps(
            {
                "contracts": total,
                "contracts_of_organisation": own,
                "validated_forms": forms,
                "generation_s": round(generation, 1),
                "registry_indicators": len(registry.REGISTRY),
                "years": f"{min(years)}-{max(years)}",
                "values_stored": stored,
                "values_stored_without_scopes": stored_wide,
                "recompute_s": round(recompute, 2),
                "recompute_warm_s": round(recompute_warm, 2),
                "recompute_without_scopes_s": round(recompute_wide, 2),
                "recompute_link_indicators_s": round(recompute_links, 2),
                "overview_ms_median_max": [round(value, 1) for value in overview],
                "indicator_ms_median_max": [round(value, 1) for value in indicator_page],
                "drilldown_ms_median_max": [round(value, 1) for value in drill],
                "indicator_by_family_2023_2027_ms_median_max": [round(value, 1) for value in scope_page],
                "drilldown_one_family_ms_median_max": [round(value, 1) for value in scope_drill],
                "postgresql": pg_version,
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
