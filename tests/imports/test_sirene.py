"""SIRENE enrichment from files in the INSEE stock format (only the headers are shipped: rows built here)."""

import csv
import gzip
import io

import pytest
from django.core.management import call_command

from spaser.imports.enums import ImportKind, ImportStatus
from spaser.imports.pipelines import sirene
from spaser.imports.services import sirene_import_file
from spaser.suppliers.enums import CompanyCategory
from spaser.suppliers.models import Establishment, Supplier
from tests.imports.conftest import SHARED_DATA

REFERENCE = SHARED_DATA / "reference"
pytestmark = pytest.mark.skipif(not REFERENCE.is_dir(), reason="shared/data absent")


def header(name):
    with open(REFERENCE / name, encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def write_stock(path, name, rows, compress=False):
    columns = header(name)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        assert set(row) <= set(columns), set(row) - set(columns)
        writer.writerow(row)
    data = buffer.getvalue().encode("utf-8")
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def unit(siren, **values):
    return {"siren": siren, "statutDiffusionUniteLegale": "O", "etatAdministratifUniteLegale": "A", **values}


@pytest.fixture
def known_suppliers():
    dupont = Supplier.objects.create(
        key="552045999", siren="552045999", identifier_type="SIRET", identifier="552045999"
    )
    Establishment.objects.create(supplier=dupont, siret="55204599900869")
    Supplier.objects.create(key="016750697", siren="016750697", identifier_type="SIRET", identifier="016750697")
    Supplier.objects.create(key="HORS-UE:GB1", identifier_type="HORS-UE", identifier="GB1")
    return dupont


def test_shipped_sample_rows_are_read():
    with open(REFERENCE / "sirene_StockUniteLegale_header_sample.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    values = sirene.unit_values(rows[0])
    assert values["name"] == "ETS J VIRLY S A"
    assert values["category"] == CompanyCategory.ETI and values["category_year"] == 2023
    assert values["is_ess"] is False and values["legal_form"] == "5710"


@pytest.mark.parametrize(
    ("row", "category"),
    [
        ({"categorieEntreprise": "PME", "trancheEffectifsUniteLegale": "02"}, CompanyCategory.TPE),
        ({"categorieEntreprise": "PME", "trancheEffectifsUniteLegale": "12"}, CompanyCategory.PME),
        ({"categorieEntreprise": "", "trancheEffectifsUniteLegale": "00"}, CompanyCategory.TPE),
        ({"categorieEntreprise": "GE", "trancheEffectifsUniteLegale": "53"}, CompanyCategory.GE),
        ({"categorieEntreprise": "", "trancheEffectifsUniteLegale": "NN"}, ""),
    ],
)
def test_company_category_with_tpe_from_headcount(row, category):
    assert sirene.unit_values(unit("1", **row))["category"] == category


def test_hidden_person_name_is_not_shown():
    values = sirene.unit_values(
        unit("1", statutDiffusionUniteLegale="P", nomUniteLegale="Martin", prenom1UniteLegale="Jeanne")
    )
    assert values["name"] == sirene.HIDDEN_NAME


def test_units_file_enriches_known_suppliers_only(tmp_path, known_suppliers):
    path = write_stock(
        tmp_path / "StockUniteLegale_utf8.csv.gz",
        "sirene_StockUniteLegale_header_sample.csv",
        [
            unit(
                "552045999",
                denominationUniteLegale="DUPONT BTP",
                categorieEntreprise="PME",
                trancheEffectifsUniteLegale="11",
                economieSocialeSolidaireUniteLegale="O",
                categorieJuridiqueUniteLegale="5710",
            ),
            unit("999999999", denominationUniteLegale="INCONNUE"),
            unit("016750697", denominationUniteLegale="VIRLY", categorieEntreprise="ETI"),
        ],
        compress=True,
    )
    run = sirene_import_file(path=path)
    assert run.status == ImportStatus.SUCCEEDED and run.kind == ImportKind.SIRENE_UNITS
    assert (run.read_count, run.updated_count, run.unchanged_count) == (2, 2, 0)
    assert run.anomalies_by_code == {"hors_perimetre": 1}
    dupont = Supplier.objects.get(siren="552045999")
    assert dupont.name == "DUPONT BTP" and dupont.is_ess is True and dupont.category == CompanyCategory.PME
    assert dupont.sirene_updated_at is not None
    assert not Supplier.objects.filter(siren="999999999").exists()
    again = sirene_import_file(path=path)
    assert (again.updated_count, again.unchanged_count) == (0, 2)


def test_establishments_file_sets_commune_and_centroid(tmp_path, known_suppliers, geo_cvl):
    path = write_stock(
        tmp_path / "StockEtablissement_utf8.csv",
        "sirene_StockEtablissement_header.csv",
        [
            {
                "siren": "552045999",
                "nic": "00869",
                "siret": "55204599900869",
                "statutDiffusionEtablissement": "O",
                "codeCommuneEtablissement": "45234",
                "codePostalEtablissement": "45000",
                "etablissementSiege": "true",
                "etatAdministratifEtablissement": "A",
                "trancheEffectifsEtablissement": "03",
            },
            {"siren": "552045999", "nic": "00877", "siret": "55204599900877", "codeCommuneEtablissement": "45234"},
        ],
    )
    run = sirene_import_file(path=path)
    assert run.kind == ImportKind.SIRENE_ESTABLISHMENTS and run.updated_count == 1
    establishment = Establishment.objects.get(siret="55204599900869")
    assert establishment.commune.name == "Orléans"
    assert establishment.is_head_office is True and establishment.is_active is True
    assert 47.8 < establishment.latitude < 48.0 and 1.8 < establishment.longitude < 2.0


def test_not_a_sirene_file_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    run = sirene_import_file(path=path)
    assert run.status == ImportStatus.FAILED and "En-tête inconnu" in run.error


def test_unreadable_sirene_files_are_explained_in_french(tmp_path, known_suppliers):
    import gzip

    header = "siren,categorieEntreprise,denominationUniteLegale\n"
    content = gzip.compress((header + "".join(f"{n:09d},PME,Nom {n}\n" for n in range(20_000))).encode())
    path = tmp_path / "StockUniteLegale.csv.gz"
    path.write_bytes(content[: len(content) // 2])
    run = sirene_import_file(path=path)
    assert run.status == ImportStatus.FAILED
    assert run.error.startswith("Archive gzip tronquée : les données compressées s'arrêtent avant leur fin")
    path = tmp_path / "StockUniteLegale.csv"
    path.write_text(header + '000000001,PME,"Nom' + "x" * 200_000 + "\n")
    run = sirene_import_file(path=path)
    assert run.status == ImportStatus.FAILED
    assert run.error == (
        "CSV SIRENE illisible vers la ligne 2 : un champ dépasse la longueur maximale acceptée (131 072 caractères), "
        "sans doute à cause d'un guillemet non fermé."
    )


def test_command(tmp_path, known_suppliers, capsys):
    path = write_stock(
        tmp_path / "u.csv",
        "sirene_StockUniteLegale_header_sample.csv",
        [unit("552045999", denominationUniteLegale="D")],
    )
    call_command("import_sirene", str(path), "--dry-run")
    assert "1 lignes de fournisseurs connus, 1 mis à jour" in capsys.readouterr().out
    assert Supplier.objects.get(siren="552045999").name == ""
