"""Every dataset, in every format, validates against its Table Schema (frictionless, offline)."""

import csv
import html
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from frictionless import Resource, Schema, validate

from spaser.observatory import exports
from tests.contracts.factories import ContractFactory
from tests.referentiel.factories import CriterionFactory, FamilyFactory
from tests.strategies.factories import ProgrammeEntryFactory


@pytest.fixture
def data(home, published_indicator, private_indicator, open_data):
    family = FamilyFactory(code="TRAVAUX", label="Travaux")
    ContractFactory(
        buyer=home,
        family=family,
        considerations_published=True,
        social_clause=True,
        object="Rénovation, lycée « Jean Zay »\nlot 2",
    )
    ContractFactory(buyer=home, considerations_published=True, environmental_criterion=True, duration_months=24)
    ContractFactory(buyer=home, notified_on=None, initial_amount=None, cpv="")
    CriterionFactory(code="C-ENV-1", weighting_min=5, weighting_max=15)
    CriterionFactory(code="C-SOC-1")
    ProgrammeEntryFactory(organisation=home, is_published=True, family=family, estimated_amount=Decimal("150000"))
    ProgrammeEntryFactory(organisation=home, is_published=True, planned_quarter=None)
    return home


def _schema(dataset):
    return Schema.from_descriptor(dataset.schema)


def _validate_rows(dataset, rows: list[dict]):
    report = validate(Resource(data=rows, schema=_schema(dataset)))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize("slug", sorted(exports.DATASETS))
def test_csv_export_validates_against_its_schema(client, data, slug):
    response = client.get(reverse("observatory:dataset", args=[slug, "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    dataset = exports.DATASETS[slug]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0].keys()) == dataset.field_names
    report = validate(Resource(data=text.encode("utf-8"), format="csv", schema=_schema(dataset)))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize("slug", sorted(exports.DATASETS))
def test_json_export_validates_against_its_schema(client, data, slug):
    response = client.get(reverse("observatory:dataset", args=[slug, "json"]))
    document = json.loads(response.content)
    assert document["licence"]["name"] == "Licence Ouverte 2.0"
    assert document["donnees"], f"{slug} : aucune ligne, le test ne vérifierait rien"
    _validate_rows(exports.DATASETS[slug], document["donnees"])


@pytest.mark.parametrize("slug", sorted(exports.DATASETS))
def test_xlsx_export_validates_against_its_schema(client, data, slug, tmp_path):
    response = client.get(reverse("observatory:dataset", args=[slug, "xlsx"]))
    path = tmp_path / f"{slug}.xlsx"
    path.write_bytes(response.content)
    resource = Resource(path=path.name, basepath=str(tmp_path), schema=_schema(exports.DATASETS[slug]))
    report = validate(resource)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_a_schema_violation_is_caught(data):
    """The validation above can fail: a row with a wrong type is reported."""
    dataset = exports.DATASETS["indicateurs"]
    rows = exports.indicator_rows(data)
    rows[0]["annee"] = "deux mille"
    text = exports.csv_bytes(rows, dataset.field_names)
    report = validate(Resource(data=text, format="csv", schema=_schema(dataset)))
    assert not report.valid


def test_every_schema_is_a_valid_table_schema_listed_in_the_changelog():
    changelog = (exports.SCHEMAS_DIR / "CHANGELOG.md").read_text(encoding="utf-8")
    for slug, dataset in exports.DATASETS.items():
        schema = _schema(dataset)
        assert schema.fields, slug
        assert f"`{slug}`" in changelog
        assert dataset.schema["licenses"][0]["name"] == "etalab-2.0"


def test_catalogue_page_lists_title_licence_date_and_formats(client, data):
    response = client.get(reverse("observatory:opendata"))
    content = html.unescape(response.content.decode())
    for dataset in exports.DATASETS.values():
        assert dataset.title in content
        assert reverse("observatory:dataset", args=[dataset.slug, "xlsx"]) in content
    assert "Licence Ouverte 2.0" in content
    assert "Mise à jour" in content


def test_contract_dataset_keeps_considerations_and_skips_other_buyers(client, data):
    ContractFactory(object="Marché d'un autre acheteur")
    rows = list(exports.contract_rows(data))
    assert len(rows) == 3
    assert {row["clause_sociale"] for row in rows} == {True, False}
    assert all("autre acheteur" not in row["objet"] for row in rows)


def test_unknown_dataset_or_format_is_404(client, data):
    assert client.get(reverse("observatory:dataset", args=["inconnu", "csv"])).status_code == 404
    assert client.get(reverse("observatory:dataset", args=["marches", "pdf"])).status_code == 404


def test_until_the_administrator_opens_them_the_catalogue_says_so_and_serves_nothing(client, data, settings):
    settings.SPASER_OPEN_DATA_PUBLISH = False
    content = html.unescape(client.get(reverse("observatory:opendata")).content.decode())
    assert "ne sont pas encore ouverts" in content
    assert reverse("observatory:dataset", args=["marches", "csv"]) not in content
    assert reverse("observatory:schema", args=["marches"]) in content
    for slug in exports.DATASETS:
        assert client.get(reverse("observatory:dataset", args=[slug, "csv"])).status_code == 404
    settings.SPASER_OPEN_DATA_PUBLISH = True
    content = html.unescape(client.get(reverse("observatory:opendata")).content.decode())
    assert "ne sont pas encore ouverts" not in content
    assert reverse("observatory:dataset", args=["marches", "csv"]) in content
    assert client.get(reverse("observatory:dataset", args=["marches", "csv"])).status_code == 200
