import datetime as dt
import io

import pytest
from django.core.management import call_command

from spaser.actors.models import Actor
from tests.actors.factories import make_actor

pytestmark = pytest.mark.usefixtures("taxonomy")

UNITS = (
    "siren,statutDiffusionUniteLegale,etatAdministratifUniteLegale,denominationUniteLegale,"
    "denominationUsuelle1UniteLegale,categorieJuridiqueUniteLegale,activitePrincipaleUniteLegale,"
    "nicSiegeUniteLegale,economieSocialeSolidaireUniteLegale\n"
    "342559762,O,A,ENVIE TOURAINE,,9220,38.32Z,00279,O\n"  # ESS association: kept
    "016750697,O,A,ETS J VIRLY S A,,5710,77.39Z,00050,N\n"  # not ESS
    "111111111,O,C,FERMEE,,9220,88.99B,00011,O\n"  # ceased
    "222222222,P,A,CACHEE,,9220,88.99B,00011,O\n"  # not diffusible
    "333333333,O,A,,,1000,01.13Z,00011,O\n"  # sole trader: a person
)
ESTABLISHMENTS = (
    "siren,nic,siret,numeroVoieEtablissement,indiceRepetitionEtablissement,typeVoieEtablissement,"
    "libelleVoieEtablissement,codePostalEtablissement,libelleCommuneEtablissement,codeCommuneEtablissement\n"
    "342559762,00279,34255976200279,10,,RUE,BOUCHARDON,37000,TOURS,37261\n"
    "342559762,00300,34255976200300,1,,RUE,AUTRE,45000,ORLEANS,45234\n"
)


@pytest.fixture
def stock(tmp_path):
    units = tmp_path / "StockUniteLegale_utf8.csv"
    units.write_text(UNITS, encoding="utf-8")
    establishments = tmp_path / "StockEtablissement_utf8.csv"
    establishments.write_text(ESTABLISHMENTS, encoding="utf-8")
    return units, establishments


def test_sirene_import_is_a_dry_run_by_default(geo, stock):
    out = io.StringIO()
    call_command(
        "import_actors_sirene", str(stock[0]), "--etablissements", str(stock[1]), "--date", "2026-11-01", stdout=out
    )
    assert "1 entreprises" in out.getvalue()
    assert not Actor.objects.exists()


def test_sirene_import_keeps_active_diffusible_ess_units_and_merges_by_siret(geo, stock):
    existing = make_actor("ENVIE TOURAINE", siret="34255976200279", commune=geo["Tours"], kinds=["ei"])
    call_command(
        "import_actors_sirene",
        str(stock[0]),
        "--etablissements",
        str(stock[1]),
        "--departements",
        "37",
        "--date",
        "2026-11-01",
        "--wet-run",
        stdout=io.StringIO(),
    )
    assert Actor.objects.count() == 1
    existing.refresh_from_db()
    assert existing.kind_codes == "|ei|ess|"
    record = existing.records.get(source__code="sirene-ess-20261101")
    assert record.values["address"] == "10 RUE BOUCHARDON" and record.values["families"] == ["DECHETS"]
    assert record.source.data_date == dt.date(2026, 11, 1) and record.source.licence == "Licence Ouverte 2.0"


def test_departement_filter_drops_units_elsewhere(geo, stock):
    call_command(
        "import_actors_sirene",
        str(stock[0]),
        "--etablissements",
        str(stock[1]),
        "--departements",
        "45",
        "--date",
        "2026-11-01",
        "--wet-run",
        stdout=io.StringIO(),
    )
    assert not Actor.objects.exists()
