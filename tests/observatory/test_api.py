from decimal import Decimal

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from hypothesis import HealthCheck, given, settings as hypothesis_settings

from spaser.observatory.api.pagination import MAX_PAGE_SIZE
from tests.contracts.factories import ContractFactory
from tests.permission_matrix import named_urls
from tests.referentiel.factories import CriterionFactory, FamilyFactory
from tests.strategies.factories import ProgrammeEntryFactory


@pytest.fixture
def api_data(home, published_indicator, private_indicator):
    family = FamilyFactory(code="NETTOYAGE")
    ProgrammeEntryFactory(organisation=home, is_published=True, family=family, subject="Nettoyage des lycées")
    ProgrammeEntryFactory(organisation=home, is_published=False, subject="Achat confidentiel non publié")
    CriterionFactory(code="C-1")
    ContractFactory(buyer=home, considerations_published=True, social_clause=True)
    return home


@pytest.fixture
def high_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute"},
    }


def test_lists_are_paginated_and_show_published_records_only(client, api_data, high_rate):
    response = client.get(reverse("api:plan"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    entry = body["results"][0]
    assert entry["subject"] == "Nettoyage des lycées"
    assert entry["amount_band"] == "de 40 000 à 90 000 € HT"
    assert "estimated_amount" not in entry
    codes = [item["code"] for item in client.get(reverse("api:indicators")).json()["results"]]
    assert codes == ["IND-PUB"]
    assert client.get(reverse("api:indicator", args=["IND-SECRET"])).status_code == 404


def test_indicator_trajectory_holds_baseline_and_targets(client, api_data, high_rate):
    body = client.get(reverse("api:indicator", args=["IND-PUB"])).json()
    assert [(p["year"], p["baseline"], p["target"]) for p in body["trajectory"]] == [
        (2023, "12.0000", None),
        (2025, None, "20.0000"),
        (2027, None, "30.0000"),
    ]


def test_filters_work_and_unknown_filters_are_400(client, api_data, high_rate):
    url = reverse("api:plan")
    assert client.get(url, {"family": "NETTOYAGE"}).json()["count"] == 1
    assert client.get(url, {"family": "AUTRE"}).json()["count"] == 0
    response = client.get(url, {"familly": "NETTOYAGE"})
    assert response.status_code == 400
    assert "familly" in response.json()
    assert client.get(reverse("api:contract_aggregates"), {"x": "1"}).status_code == 400
    assert client.get(url, {"year": "deux mille"}).status_code == 400
    assert client.get(url, {"family": "NETTO\x00YAGE"}).json()["count"] == 1
    assert client.get(url, {"nature": "inconnue"}).status_code == 400


@pytest.mark.parametrize("size", ["0", "-1", str(MAX_PAGE_SIZE + 1), "10000000", "abc"])
def test_absurd_page_sizes_are_400(client, api_data, high_rate, size):
    response = client.get(reverse("api:criteria"), {"page_size": size})
    assert response.status_code == 400
    assert "page_size" in response.json()


def test_a_valid_page_size_is_honoured(client, api_data, high_rate):
    CriterionFactory.create_batch(3)
    body = client.get(reverse("api:criteria"), {"page_size": "2"}).json()
    assert body["count"] == 4
    assert len(body["results"]) == 2
    assert body["next"]


def test_anonymous_clients_are_throttled(client, api_data, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    cache.clear()
    statuses = [client.get(reverse("api:families")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_throttle_counts_each_visitor_behind_the_proxy_whatever_the_forged_header(
    behind_proxy, api_data, settings
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    url = reverse("api:families")
    statuses = [
        behind_proxy("203.0.113.7", forwarded_for=f"198.51.100.{index}").get(url).status_code for index in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert behind_proxy("203.0.113.8").get(url).status_code == 200


def test_contract_aggregates_by_year(client, api_data, high_rate):
    ContractFactory(
        buyer=api_data, considerations_published=True, environmental_clause=True, initial_amount=Decimal(50)
    )
    rows = client.get(reverse("api:contract_aggregates")).json()
    assert rows == [
        {
            "year": 2024,
            "count": 2,
            "amount": "100050.00",
            "published": 2,
            "social": 1,
            "environmental": 1,
            "social_share": 50.0,
            "environmental_share": 50.0,
        }
    ]


def test_schema_and_docs_page(client):
    schema = client.get(reverse("api:schema"), {"format": "json"})
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    docs = client.get(reverse("api:docs")).content.decode()
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert "<script>" not in docs


def test_api_conforms_to_its_openapi_schema(api_data, high_rate):
    """schemathesis generates requests from the OpenAPI schema and checks every answer against it.

    Driven operation by operation (schemathesis' pytest plugin does not support this pytest version), offline,
    against the Django WSGI application.
    """
    # Like Django's test client: the WSGI handler must not close the test transaction's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 6
        for operation in operations:

            @given(case=operation.as_strategy())
            @hypothesis_settings(
                max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
            )
            def check(case):
                case.call_and_validate()

            check()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_api_index_links_every_endpoint_the_schema_and_the_docs(client, settings, django_assert_max_num_queries):
    """/api/ lists each URL of the "api" namespace with a description, the rate limit and the licence."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "30/hour"}}
    with django_assert_max_num_queries(3):
        response = client.get(reverse("api:index"))
    assert response.status_code == 200
    content = response.content.decode()
    api_urls = [name for name, _ in named_urls() if name.startswith("api:") and name != "api:index"]
    for name in api_urls:
        kwargs = {"code": "CODE"} if name == "api:indicator" else None
        url = reverse(name, kwargs=kwargs)
        assert (f'href="{url}"' in content) or (f"GET {url}" in content), name
    assert '<a href="/api/v1/criteres/">Critères et clauses</a>' in content
    assert "<code>dimension</code>" in content and "<code>kind</code>" in content  # read from the filterset
    assert "30 requêtes par heure" in content
    assert "Licence Ouverte 2.0" in content
    assert content.count("<h1") == 1 and "<h2" in content
