"""The national flat file (tabular DECP, CSV or Parquet): the same contracts as in the JSON give the same
database.

The flat files are made here from real records (shared/data/decp/real), written the way the re-publishers
write them: holders in numbered columns or one row per holder, one row per state of a modified contract
(``modification_id``, ``donneesActuelles``) sorted by date as decp-processing sorts them, SIRETs that lost
their leading zeros, missing values coded in every way seen, lists in every notation seen."""

import csv
import gzip
import io
import itertools
import json

import pytest

from spaser.contracts.models import Contract, ContractHolder, ContractModification
from spaser.imports.enums import ImportStatus
from spaser.imports.models import ImportRun, QuarantinedRecord
from spaser.imports.pipelines import decp_source, decp_tabular
from spaser.imports.services import decp_import_file
from tests.imports.conftest import SHARED_DATA

pytestmark = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared/data absent")

REAL = SHARED_DATA / "decp" / "real"
# What the flat file has no column for: left out of the JSON reference too (the comparison is about what
# both formats can carry). The object of a modification is not in the flat file either.
NOT_IN_FLAT_FILE = ("actesSousTraitance", "modificationsActesSousTraitance")
MISSING_CODES = itertools.cycle(["", "NC", "null", "None", "nan", "NaN", "<NA>"])
LIST_STYLES = itertools.cycle(["json", "python", "comma", "pipe"])
TRUE_CODES = itertools.cycle(["true", "True", "oui", "1"])
FALSE_CODES = itertools.cycle(["false", "False", "non", "0"])
LISTS = {
    "considerationsSociales": "considerationSociale",
    "considerationsEnvironnementales": "considerationEnvironnementale",
    "techniques": "technique",
    "modalitesExecution": "modaliteExecution",
    "typesPrix": "typePrix",
}
SCALARS = (
    "nature",
    "objet",
    "codeCPV",
    "procedure",
    "dureeMois",
    "dateNotification",
    "datePublicationDonnees",
    "montant",
    "formePrix",
    "ccag",
    "offresRecues",
    "marcheInnovant",
    "attributionAvance",
    "tauxAvance",
    "sousTraitanceDeclaree",
    "typeGroupementOperateurs",
    "origineUE",
    "origineFrance",
    "idAccordCadre",
)


def real_markets():
    """Real marchés of the 2024 (Dematis) and 2019 files, one per contract (first publication kept)."""
    records = []
    for path in sorted((REAL / "v2").glob("dematis*.json")):
        records += json.loads(path.read_text(encoding="utf-8"))["marches"]["marche"]
    v1 = json.loads((REAL / "v1" / "data.gouv.fr_pes.json").read_text(encoding="utf-8"))["marches"]
    v1 += json.loads((REAL / "v1" / "marches-publics.info.json").read_text(encoding="utf-8"))["marches"][:800]
    records += [r for r in v1 if "concession" not in str(r.get("_type", "")).lower() and "acheteur" in r]
    seen, unique = set(), []
    for record in records:
        key = (str(record.get("acheteur", {}).get("id")), str(record.get("id")))
        numbers = [m.get("id") for m in unwrap_modifications(record.get("modifications")) if m.get("id") is not None]
        if len(numbers) != len(set(numbers)):
            # Two modifications published with the same number: the JSON is applied in the order of the
            # numbers, the flat file in the order of its ranks (by date); one real contract of Dematis.
            continue
        if key not in seen:
            seen.add(key)
            unique.append({k: v for k, v in record.items() if k not in NOT_IN_FLAT_FILE})
    return unique


def unwrap_holders(value):
    holders = []
    for item in value or []:
        holders.append(item["titulaire"] if isinstance(item, dict) and "titulaire" in item else item)
    return holders


def unwrap_modifications(value):
    if isinstance(value, dict):
        value = [value]
    return [m.get("modification", m) for m in value or []]


def missing():
    return next(MISSING_CODES)


def cell(key, value):
    """A published value written as a flat file writes it."""
    if value is None:
        return missing()
    if isinstance(value, bool):
        return next(TRUE_CODES) if value else next(FALSE_CODES)
    if isinstance(value, float) and key == "montant":
        return str(value).replace(".", ",")  # a French decimal comma, as spreadsheets write it
    if isinstance(value, dict) and key in LISTS:
        return list_cell(value.get(LISTS[key]))
    if isinstance(value, list) and key in LISTS:
        return list_cell(value)
    return str(value)


def list_cell(items):
    if not items:
        return missing()
    items = items if isinstance(items, list) else [items]
    style = next(LIST_STYLES)
    if style == "json":
        return json.dumps(items, ensure_ascii=False)
    if style == "python":
        return repr(items)
    return (", " if style == "comma" else "|").join(items)


def siret_cell(value):
    """SIRETs stored as integers: the leading zeros are lost."""
    text = str(value)
    return str(int(text)) if text.isdigit() else text


def states(record):
    """(rank, state) of each state of the contract, as decp-processing lays them out."""
    state = {key: record.get(key) for key in SCALARS}
    state["titulaires"] = unwrap_holders(record.get("titulaires"))
    result = [(0, dict(state))]
    for rank, modification in enumerate(unwrap_modifications(record.get("modifications")), 1):
        state["dateNotification"] = modification.get("dateNotificationModification")
        state["datePublicationDonnees"] = modification.get("datePublicationDonneesModification")
        for key in ("montant", "dureeMois"):
            if modification.get(key) is not None:
                state[key] = modification[key]
        if modification.get("titulaires"):
            state["titulaires"] = unwrap_holders(modification["titulaires"])
        result.append((rank, dict(state)))
    return result


def flat_rows(records, layout):
    """Rows of the flat file: ``numbered`` (holders in numbered columns) or ``per_holder``."""
    rows = []
    width = max(len(unwrap_holders(r.get("titulaires"))) for r in records)
    for record in records:
        buyer = record["acheteur"]
        place = record.get("lieuExecution") or {}
        all_states = states(record)
        for rank, state in all_states:
            row = {
                "uid": f"{buyer['id']}{record['id']}",
                "id": str(record["id"]),
                "acheteur_id": siret_cell(buyer["id"]),
                "acheteur_nom": cell("nom", buyer.get("nom")),
                "lieuExecution_code": cell("code", place.get("code")),
                "lieuExecution_typeCode": cell("typeCode", place.get("typeCode")),
                "lieuExecution_nom": cell("nom", place.get("nom")),
                "sourceDataset": cell("source", record.get("source")),
                "modification_id": str(rank),
                "donneesActuelles": "true" if rank == len(all_states) - 1 else "false",
                # SIRENE enrichment: ignored by the reader
                "acheteur_categorie": "Commune",
                "acheteur_departement_code": "37",
                "titulaire_categorie": "PME",
                "titulaire_distance": "12",
                "dureeRestanteMois": "3.5",
            }
            for key in SCALARS:
                row[key] = cell(key, state.get(key))
            for key in LISTS:
                row[key] = cell(key, record.get(key))
            holders = state["titulaires"]
            if layout == "numbered":
                for index in range(width):
                    holder = holders[index] if index < len(holders) else {}
                    row[f"titulaire_id_{index + 1}"] = siret_cell(holder["id"]) if holder.get("id") else missing()
                    row[f"titulaire_typeIdentifiant_{index + 1}"] = cell("type", holder.get("typeIdentifiant"))
                    row[f"titulaire_denominationSociale_{index + 1}"] = cell("nom", holder.get("denominationSociale"))
                rows.append(row)
            else:
                for holder in holders or [{}]:
                    holder_row = dict(row)
                    holder_row["titulaire_id"] = siret_cell(holder["id"]) if holder.get("id") else missing()
                    holder_row["titulaire_typeIdentifiant"] = cell("type", holder.get("typeIdentifiant"))
                    holder_row["titulaire_nom"] = cell("nom", holder.get("denominationSociale"))
                    rows.append(holder_row)
    if layout == "per_holder":
        # decp-processing sorts by notification date, latest first: the states of a contract are far apart.
        rows.sort(key=lambda r: (str(r["dateNotification"]), r["uid"]), reverse=True)
    return rows


def write_csv(path, rows, delimiter=";", bom=False, compress=False):
    columns = list(dict.fromkeys(itertools.chain.from_iterable(rows)))
    opener = gzip.open if compress else open
    with opener(path, "wt", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, delimiter=delimiter, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_parquet(path, rows, row_group_size=None):
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = list(dict.fromkeys(itertools.chain.from_iterable(rows)))
    table = pa.table({column: [row.get(column, "") for row in rows] for column in columns})
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def write_json(path, records):
    path.write_text(json.dumps({"marches": {"marche": records}}, ensure_ascii=False), encoding="utf-8")
    return path


EXCLUDED = {"id", "created_at", "updated_at", "source_file", "sources", "raw", "import_run_id"}


def database():
    """Every normalised column of the contracts, holders and modifications, keyed by contract."""
    fields = [f.attname for f in Contract._meta.concrete_fields if f.attname not in EXCLUDED]
    contracts = {(c["buyer_siret"], c["external_id"]): c for c in Contract.objects.values(*fields)}
    holders = sorted(
        ContractHolder.objects.values_list(
            "contract__buyer_siret",
            "contract__external_id",
            "rank",
            "identifier_type",
            "identifier",
            "name",
            "supplier_id",
            "establishment_id",
            "is_initial",
            "is_current",
        )
    )
    return contracts, holders, modification_states(contracts)


def modification_states(contracts):
    """Each modification with the amount, duration and holders in force after it.

    A publisher may repeat in a modification an amount that did not change; the flat file, one row per
    state, cannot tell it from an amount not repeated. What the contract is after each modification is the
    same either way, and that is what is compared."""
    initial_holders = {}
    for buyer, external_id, id_type, identifier, name in (
        ContractHolder.objects.filter(is_initial=True)
        .values_list("contract__buyer_siret", "contract__external_id", "identifier_type", "identifier", "name")
        .order_by("contract_id", "rank")
    ):
        initial_holders.setdefault((buyer, external_id), []).append([id_type, identifier, name])
    states = []
    current = {}
    queryset = ContractModification.objects.order_by("contract_id", "rank").values(
        "contract__buyer_siret",
        "contract__external_id",
        "rank",
        "notified_on",
        "published_on",
        "duration_months",
        "amount",
        "holders",
    )
    for m in queryset:
        key = (m["contract__buyer_siret"], m["contract__external_id"])
        if m["rank"] == 1:
            contract = contracts[key]
            current = {
                "amount": contract["initial_amount"],
                "duration": contract["duration_months"],
                "holders": initial_holders.get(key),
            }
        for name, field in (("amount", "amount"), ("duration", "duration_months"), ("holders", "holders")):
            if m[field] is not None:
                current[name] = m[field]
        states.append((key, m["rank"], m["notified_on"], m["published_on"], repr(sorted(current.items()))))
    return sorted(states, key=repr)


def clear_contracts():
    Contract.objects.all().delete()
    QuarantinedRecord.objects.all().delete()


def assert_same_database(reference, flat):
    contracts, holders, modifications = reference
    flat_contracts, flat_holders, flat_modifications = flat
    assert flat_contracts.keys() == contracts.keys()
    modified = {key for key, c in contracts.items() if c["modification_count"]}
    for key, values in contracts.items():
        other = flat_contracts[key]
        if key in modified:
            # The flat file carries neither the object nor the published number of a modification: the
            # fingerprint, which covers them, differs; every column stays the same.
            values, other = dict(values, content_hash=""), dict(other, content_hash="")
        assert other == values, key
    assert flat_holders == holders
    assert flat_modifications == modifications


@pytest.fixture(scope="module")
def records():
    return real_markets()


def import_ok(path):
    run = decp_import_file(path=path)
    assert run.status == ImportStatus.SUCCEEDED, run.error
    return run


@pytest.mark.parametrize("layout", ["numbered", "per_holder"])
def test_csv_gives_the_same_database_as_the_json(tmp_path, records, layout):
    reference_run = import_ok(write_json(tmp_path / "reference.json", records))
    reference = database()
    assert reference_run.created_count > 1500
    assert any(c["modification_count"] for c in reference[0].values())
    assert reference[0] and reference[1] and reference[2]
    clear_contracts()

    path = write_csv(tmp_path / "decp.csv", flat_rows(records, layout))
    run = import_ok(path)
    assert run.file_format.startswith("CSV")
    assert (run.read_count, run.created_count, run.rejected_count) == (
        reference_run.read_count,
        reference_run.created_count,
        reference_run.rejected_count,
    )
    assert run.anomalies_by_code == reference_run.anomalies_by_code
    assert_same_database(reference, database())

    # Idempotent: the same file again changes nothing.
    again = import_ok(path)
    assert again.unchanged_count == run.created_count
    assert (again.created_count, again.updated_count) == (0, 0)
    assert_same_database(reference, database())


def test_parquet_read_in_several_batches_gives_the_same_database_as_the_json(tmp_path, records, monkeypatch):
    import pyarrow.parquet as pq

    sample = records[:300] + [r for r in records if r.get("modifications")][:40]
    sample = list({(r["acheteur"]["id"], r["id"]): r for r in sample}.values())
    import_ok(write_json(tmp_path / "reference.json", sample))
    reference = database()
    clear_contracts()

    path = write_parquet(tmp_path / "decp.parquet", flat_rows(sample, "per_holder"), row_group_size=50)
    assert pq.ParquetFile(path).num_row_groups > 5
    monkeypatch.setattr(decp_tabular, "PARQUET_BATCH_ROWS", 7)
    reported = []
    info = decp_source.inspect(path)
    assert info.format == "parquet"
    read = list(decp_source.iter_records(path, info, progress=reported.append))
    assert len(read) == len(sample)
    assert len(reported) > 40 and reported == sorted(reported) and reported[-1] == info.size

    run = import_ok(path)
    assert run.file_format.startswith("PARQUET")
    assert_same_database(reference, database())
    again = import_ok(path)
    assert again.unchanged_count == run.created_count


@pytest.mark.parametrize(
    ("name", "delimiter", "bom", "compress"),
    [("decp.csv", ",", True, False), ("decp.tsv", "\t", False, False), ("decp.csv.gz", ";", True, True)],
)
def test_separator_bom_and_gzip_variants(tmp_path, records, name, delimiter, bom, compress):
    sample = records[:60]
    import_ok(write_json(tmp_path / "reference.json", sample))
    reference = database()
    clear_contracts()
    path = write_csv(tmp_path / name, flat_rows(sample, "numbered"), delimiter=delimiter, bom=bom, compress=compress)
    import_ok(path)
    assert_same_database(reference, database())


def test_csv_without_extension_is_recognised_by_its_header(tmp_path, records):
    path = write_csv(tmp_path / "export.txt", flat_rows(records[:5], "numbered"))
    assert decp_source.inspect(path).format == "csv"
    assert len(list(decp_source.iter_records(path))) == 5


def test_a_header_that_is_not_the_decp_one_is_refused_in_french(tmp_path):
    path = tmp_path / "fournisseurs.csv"
    path.write_text("siret;nom;montant\n12345678900012;ACME;100\n", encoding="utf-8")
    run = decp_import_file(path=path)
    assert run.status == ImportStatus.FAILED
    assert "colonnes manquantes : id, acheteur_id, dateNotification" in run.error
    assert "montant" not in run.error.split("colonnes manquantes : ")[1].split(";")[0]
    assert Contract.objects.count() == 0


def test_a_parquet_without_the_decp_columns_is_refused(tmp_path):
    path = write_parquet(tmp_path / "autre.parquet", [{"uid": "1", "objet": "x"}])
    run = decp_import_file(path=path)
    assert run.status == ImportStatus.FAILED
    assert "colonnes manquantes : id, acheteur_id, dateNotification, montant" in run.error


def test_a_row_with_too_many_fields_refuses_the_file_naming_its_line(tmp_path):
    path = tmp_path / "decp.csv"
    path.write_text(
        "uid;id;acheteur_id;dateNotification;montant;objet\n"
        "2174100300001a1;a1;21741003000011;2024-01-02;100;Travaux\n"
        "2174100300001a2;a2;21741003000011;2024-01-02;100;Travaux; voirie\n",
        encoding="utf-8",
    )
    run = decp_import_file(path=path)
    assert run.status == ImportStatus.FAILED
    assert "Ligne 3" in run.error and "7 champs au lieu des 6" in run.error
    assert Contract.objects.count() == 0


def flat_record(tmp_path, **cells):
    header = {
        "uid": "21370001800016X1",
        "id": "X1",
        "acheteur_id": "21370001800016",
        "nature": "Marché",
        "objet": "Entretien",
        "dateNotification": "2024-03-04",
        "montant": "1000",
    }
    header.update(cells)
    path = write_csv(tmp_path / "one.csv", [header])
    (record,) = decp_source.iter_records(path)
    return record


@pytest.mark.parametrize("code", ["", "NC", "null", "None", "nan", "NaN", "<NA>", "NaT"])
def test_missing_value_codes_read_as_missing(tmp_path, code):
    record = flat_record(
        tmp_path,
        dureeMois=code,
        offresRecues=code,
        marcheInnovant=code,
        considerationsSociales=code,
        titulaire_id_1=code,
        titulaire_typeIdentifiant_1=code,
        lieuExecution_code=code,
        ccag=code,
    )
    for key in ("dureeMois", "offresRecues", "marcheInnovant", "considerationsSociales", "titulaires", "ccag"):
        assert key not in record.data
    assert "lieuExecution" not in record.data


def test_cells_are_read_back_into_the_published_json_shape(tmp_path):
    record = flat_record(
        tmp_path,
        acheteur_id="1370001800016",
        montant="1234,50",
        dureeMois="12.0",
        dateNotification="2024-03-04 00:00:00",
        attributionAvance="oui",
        marcheInnovant="False",
        tauxAvance="0.05",
        considerationsSociales="['Clause sociale', 'Critère social']",
        considerationsEnvironnementales="Clause environnementale|Critère environnemental",
        techniques='["Accord-cadre"]',
        typesPrix="Définitif ferme, Provisoire",
        lieuExecution_code="1000",
        lieuExecution_typeCode="Code postal",
        titulaire_id_1="542002100015",
        titulaire_typeIdentifiant_1="SIRET",
        titulaire_nom_1="ACME SIRENE",
        titulaire_denominationSociale_1="ACME",
        titulaire_id_2="FR12345678901",
        titulaire_typeIdentifiant_2="TVA",
        titulaire_denominationSociale_2="",
        titulaire_nom_2="NOM SIRENE",
        titulaire_id_3="614500585",
        titulaire_typeIdentifiant_3="SIRET",
        titulaire_categorie_1="PME",
        sourceFile="https://example.org/decp.json",
        actesSousTraitance='[{"acteSousTraitance": {"id": 1}}]',
    )
    data = record.data
    assert data["acheteur"] == {"id": "01370001800016"}
    assert data["montant"] == 1234.5
    assert data["dureeMois"] == 12
    assert data["dateNotification"] == "2024-03-04"
    assert (data["attributionAvance"], data["marcheInnovant"], data["tauxAvance"]) == (True, False, 0.05)
    assert data["considerationsSociales"] == {"considerationSociale": ["Clause sociale", "Critère social"]}
    assert data["considerationsEnvironnementales"] == {
        "considerationEnvironnementale": ["Clause environnementale", "Critère environnemental"]
    }
    assert data["techniques"] == {"technique": ["Accord-cadre"]}
    assert data["typesPrix"] == {"typePrix": ["Définitif ferme", "Provisoire"]}
    # A postcode that lost its zero is completed and flagged by the normaliser, as for a JSON publication.
    assert data["lieuExecution"] == {"code": "1000", "typeCode": "Code postal"}
    assert data["titulaires"] == [
        {"titulaire": {"typeIdentifiant": "SIRET", "id": "00542002100015", "denominationSociale": "ACME"}},
        # The published name first, the re-publisher's when the published one is missing.
        {"titulaire": {"typeIdentifiant": "TVA", "id": "FR12345678901", "denominationSociale": "NOM SIRENE"}},
        # A SIREN given as a SIRET did not lose five zeros: kept as published, for the normaliser to flag.
        {"titulaire": {"typeIdentifiant": "SIRET", "id": "614500585"}},
    ]
    # Columns the reader does not know are kept (a JSON value decoded); SIRENE enrichment is not.
    assert data["sourceFile"] == "https://example.org/decp.json"
    assert data["actesSousTraitance"] == [{"acteSousTraitance": {"id": 1}}]
    assert "titulaire_categorie_1" not in data and "uid" not in data
    assert json.loads(record.text) == data


def test_only_current_rows_make_the_current_state_and_older_rows_become_modifications(tmp_path):
    common = {"uid": "21370001800016M1", "id": "M1", "acheteur_id": "21370001800016", "nature": "Marché"}
    rows = [
        dict(common, modification_id="1", donneesActuelles="true", dateNotification="2024-06-01", montant="1500"),
        {"uid": "21370001800016M2", "id": "M2", "acheteur_id": "21370001800016", "nature": "Marché"}
        | {"modification_id": "0", "donneesActuelles": "true", "dateNotification": "2024-05-01", "montant": "7"},
        dict(common, modification_id="0", donneesActuelles="false", dateNotification="2024-01-15", montant="1000"),
    ]
    path = write_csv(tmp_path / "states.csv", rows)
    run = import_ok(path)
    assert run.read_count == 2
    contract = Contract.objects.get(external_id="M1")
    assert contract.notified_on.isoformat() == "2024-01-15"
    assert (contract.initial_amount, contract.current_amount) == (1000, 1500)
    (modification,) = contract.modifications.all()
    assert (modification.notified_on.isoformat(), modification.amount) == ("2024-06-01", 1500)
    assert ImportRun.objects.filter(status=ImportStatus.SUCCEEDED).count() == 1


def test_the_command_imports_a_flat_file(tmp_path, records):
    from django.core.management import call_command

    path = write_csv(tmp_path / "decp.csv.gz", flat_rows(records[:20], "per_holder"), compress=True)
    out = io.StringIO()
    call_command("import_decp", str(path), "--no-progress", stdout=out)
    assert "decp.csv.gz : 20 lus = 20 créés" in out.getvalue()
    assert Contract.objects.count() == 20


def test_a_row_that_cannot_be_identified_goes_to_the_quarantine_with_its_line(tmp_path):
    common = {"acheteur_id": "21370001800016", "nature": "Marché", "dateNotification": "2024-03-04"}
    rows = [
        dict(common, uid="21370001800016A", id="A", montant="100", procedure="Appel d'offres ouvert"),
        dict(common, uid="123B", id="B", montant="100", acheteur_id="123", procedure="Appel d'offres ouvert"),
        dict(common, uid="21370001800016C", id="C", montant="100", procedure="Procédure inventée"),
    ]
    run = import_ok(write_csv(tmp_path / "decp.csv", rows))
    assert (run.created_count, run.rejected_count) == (2, 1)
    (quarantined,) = QuarantinedRecord.objects.all()
    assert (quarantined.position, quarantined.external_id, quarantined.buyer_siret) == (2, "B", "123")
    assert any("siret_invalide" in reason for reason in quarantined.reasons)
    # A wording it cannot understand keeps the row, the field empty and flagged with the published value.
    kept = Contract.objects.get(external_id="C")
    assert kept.procedure == "" and "valeur_inconnue:procedure:Procédure inventée" in kept.anomalies
