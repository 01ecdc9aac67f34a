import datetime as dt
import io
import json

import pytest
from openpyxl import Workbook

from spaser.actors import importing
from spaser.actors.enums import ImportStatus, RowOutcome
from spaser.actors.models import Actor, ActorImport, ActorRecord
from tests.accounts.factories import UserFactory
from tests.actors.factories import make_actor

pytestmark = pytest.mark.usefixtures("taxonomy")

# A CRESS-like export as partners send them: Windows encoding, ";" separator, extra columns, and bad lines.
MESSY_CSV = (
    "Raison sociale;N° SIRET;Adresse;CP;Ville;Statut;Téléphone du contact;Latitude;Longitude\n"
    "Envie Touraine;342 559 762 00279;10 rue Bouchardon;37000;Tours;Entreprise d'insertion;02 00 00 00 00;;\n"
    "Scop Charpente;12345678901234;1 rue X;37550;Saint-Avertin;Scop;;;\n"  # bad Luhn key
    "Atelier sans ville;;2 rue Y;;;ACI;;;\n"  # address without a commune
    "Jardin de Cocagne;;Route de Dreux;28500;Vernouillet;ACI;;40.41;-3.70\n"  # Madrid
    "Envie Touraine;34255976200279;10 rue Bouchardon;37000;Tours;Entreprise d'insertion;;;\n"  # duplicate
    ";;;37000;Tours;;;;\n"  # no name
    "Recyclerie de Chartres;;3 rue Z;28000;Chartres;ressourcerie;machin inconnu;48.45;1.50\n"
    "Commune inconnue SARL;;4 rue W;99999;Nulle-Part;;;;\n"
).encode("cp1252")


def _create(content, file_name="cress.csv", **kwargs):
    from tests.accounts.factories import OrganisationFactory

    values = {
        "organisation": OrganisationFactory(),
        "by": UserFactory(),
        "file_name": file_name,
        "content": content,
        "source_name": "CRESS Centre-Val de Loire",
        "source_publisher": "CRESS",
        "source_licence": "Licence Ouverte 2.0",
        "source_date": dt.date(2026, 6, 1),
        "default_kinds": [],
    }
    values.update(kwargs)
    return importing.actor_import_create(**values)


def _verdicts(batch):
    return {line.line: (line.outcome, " ".join(line.reasons)) for line in batch.lines.order_by("line")}


def test_messy_partner_csv_preview_says_what_will_be_created_merged_or_rejected(geo):
    existing = make_actor("Recyclerie de Chartres", commune=geo["Chartres"])
    batch = _create(MESSY_CSV)
    assert batch.headers[0] == "Raison sociale"
    assert batch.mapping["Raison sociale"] == "name" and batch.mapping["Téléphone du contact"] == ""
    assert not batch.lines.exists()  # the mapping step comes first
    importing.actor_import_preview(batch=batch, mapping={**batch.mapping, "Statut": "kinds"})
    verdicts = _verdicts(batch)
    assert verdicts[2][0] == RowOutcome.CREATE
    assert verdicts[3][0] == RowOutcome.REJECT and "SIRET" in verdicts[3][1] and "clé" in verdicts[3][1]
    assert verdicts[4][0] == RowOutcome.REJECT and "sans commune" in verdicts[4][1]
    assert verdicts[5][0] == RowOutcome.REJECT and "hors de France" in verdicts[5][1]
    assert verdicts[6][0] == RowOutcome.MERGE and "Doublon de la ligne 2" in verdicts[6][1]
    assert verdicts[7][0] == RowOutcome.REJECT and "Nom" in verdicts[7][1]
    assert verdicts[8][0] == RowOutcome.MERGE and "même nom et commune" in verdicts[8][1]
    assert verdicts[9][0] == RowOutcome.REJECT and "Commune introuvable" in verdicts[9][1]
    assert batch.lines.get(line=2).values["kinds"] == ["ei"]
    # Nothing is imported before confirmation.
    assert Actor.objects.count() == 1 and ActorRecord.objects.count() == 1
    assert existing.records.count() == 1


def test_confirmation_imports_accepted_lines_and_keeps_rejected_ones(geo):
    existing = make_actor("Recyclerie de Chartres", commune=geo["Chartres"])
    batch = _create(MESSY_CSV)
    importing.actor_import_preview(batch=batch, mapping={**batch.mapping, "Statut": "kinds"})
    agent = UserFactory()
    importing.actor_import_confirm(batch=batch, by=agent)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CONFIRMED and batch.confirmed_by == agent
    assert batch.source.licence == "Licence Ouverte 2.0" and batch.source.data_date == dt.date(2026, 6, 1)
    assert Actor.objects.count() == 2  # Envie Touraine created; the recyclerie merged
    envie = Actor.objects.get(siret="34255976200279")
    assert envie.commune == geo["Tours"] and "|ei|" in envie.kind_codes
    existing.refresh_from_db()
    assert existing.records.count() == 2 and existing.latitude == 48.45
    assert batch.lines.filter(outcome=RowOutcome.REJECT).count() == 5
    with pytest.raises(ValueError):
        importing.actor_import_confirm(batch=batch, by=agent)  # never twice


def test_reimporting_the_same_file_changes_nothing(geo):
    for _ in range(2):
        batch = _create(MESSY_CSV)
        importing.actor_import_preview(batch=batch, mapping={**batch.mapping, "Statut": "kinds"})
        importing.actor_import_confirm(batch=batch, by=UserFactory())
    assert Actor.objects.count() == 2
    assert ActorRecord.objects.count() == 2


def test_xlsx_with_a_title_gap_and_a_thirteen_digit_siret(geo):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([])
    sheet.append(["Nom", "SIRET", "Code postal", "Commune", "Code INSEE"])
    sheet.append(["Structure sans zéro", 8628031000102, None, None, 28134])  # FINESS-style lost zero, numeric cells
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = _create(buffer.getvalue(), file_name="urscop.xlsx", default_kinds=["scop"])
    importing.actor_import_preview(batch=batch, mapping=batch.mapping)
    line = batch.lines.get()
    assert line.outcome == RowOutcome.CREATE, line.reasons
    assert line.values["siret"] == "08628031000102"
    assert line.values["commune_code"] == "28134" and line.values["kinds"] == ["scop"]


def test_unreadable_files_are_refused_with_a_french_message():
    with pytest.raises(importing.ImportFileError, match="vide"):
        _create(b"\n\n")
    with pytest.raises(importing.ImportFileError, match="XLSX est illisible : ce n'est pas un classeur .xlsx"):
        _create(b"not a zip", file_name="liste.xlsx")
    with pytest.raises(importing.ImportFileError, match="results"):
        _create(b'{"data": []}', file_name="api.json")
    with pytest.raises(importing.ImportFileError) as caught:
        _create(b'{"results": [{"siret": "1"}\n {"siret": "2"}]}', file_name="api.json")
    assert str(caught.value) == (
        "JSON illisible ligne 2, colonne 2 : virgule « , » ou fin de l'objet ou du tableau attendue."
    )
    with pytest.raises(importing.ImportFileError, match="imbriqués trop profondément"):
        _create(b'{"results": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", file_name="api.json")


def test_api_recherche_entreprises_json_shape_is_previewed_directly(geo, django_capture_on_commit_callbacks):
    document = {
        "results": [
            {
                "siren": "342559762",
                "nom_complet": "ENVIE TOURAINE",
                "activite_principale": "38.32Z",
                "siege": {
                    "siret": "34255976200279",
                    "adresse": "10 RUE BOUCHARDON 37000 TOURS",
                    "code_postal": "37000",
                    "commune": "37261",
                    "libelle_commune": "TOURS",
                    "latitude": "47.3901",
                    "longitude": "0.6890",
                    "activite_principale": "38.32Z",
                },
                "complements": {
                    "est_ess": True,
                    "est_siae": True,
                    "type_siae": "EI",
                    "est_bio": False,
                    "est_rge": True,
                },
            },
            {
                "siren": "000000000",
                "nom_complet": "SIRET FAUX",
                "siege": {"siret": "00000000000001", "commune": "37261", "code_postal": "37000"},
                "complements": {},
            },
        ],
        "total_results": 2,
        "page": 1,
        "per_page": 10,
        "total_pages": 1,
    }
    with django_capture_on_commit_callbacks(execute=True):  # the preview runs in the worker (immediate in tests)
        batch = _create(json.dumps(document).encode(), file_name="recherche.json")
    batch.refresh_from_db()
    assert batch.file_format == "api_json" and batch.running == "" and batch.error == ""
    verdicts = _verdicts(batch)
    assert verdicts[2][0] == RowOutcome.CREATE and verdicts[3][0] == RowOutcome.REJECT
    values = batch.lines.get(line=2).values
    assert values["kinds"] == ["ei", "ess"]
    assert values["natures"] == ["label:rge"]
    assert values["families"] == ["DECHETS", "TRV-CONSTRUCTION"]  # NAF 38.32Z, and the RGE label (natures.csv)
    assert (values["latitude"], values["longitude"]) == (47.3901, 0.689)


def test_guess_mapping_recognises_common_headers_once():
    mapping = importing.guess_mapping(["Nom_structure", "SIRET", "Code postal", "Ville", "Nom", "Mystère"])
    assert mapping == {
        "Nom_structure": "name",
        "SIRET": "siret",
        "Code postal": "postcode",
        "Ville": "city",
        "Nom": "",
        "Mystère": "",
    }


def test_worker_steps_report_progress_and_roll_back_entirely_on_failure(
    geo, django_capture_on_commit_callbacks, monkeypatch
):
    from spaser.actors import progress, services

    reports = []
    monkeypatch.setattr(progress, "publish", lambda batch_id, *, done, total: reports.append((done, total)))
    rows = "".join(f"Structure {index};37000;Tours\n" for index in range(250))
    batch = _create(f"Nom;CP;Ville\n{rows}".encode())
    with django_capture_on_commit_callbacks(execute=True):
        importing.actor_import_start(batch=batch, step="preview", mapping=batch.mapping)
    batch.refresh_from_db()
    assert batch.running == "" and batch.lines.count() == 250
    assert reports == [(0, 250), (100, 250), (200, 250)]
    ActorImport.objects.filter(pk=batch.pk).update(running="preview")  # a step still running in the worker
    with pytest.raises(ValueError, match="déjà en cours"):
        importing.actor_import_start(batch=batch, step="confirm", by=UserFactory())
    ActorImport.objects.filter(pk=batch.pk).update(running="")

    calls = []

    def failing_apply(**kwargs):
        calls.append(kwargs["external_id"])
        if len(calls) == 120:
            raise RuntimeError("disque plein")
        return original(**kwargs)

    original = services.record_apply
    monkeypatch.setattr(services, "record_apply", failing_apply)
    with django_capture_on_commit_callbacks(execute=True):
        importing.actor_import_start(batch=batch, step="confirm", by=UserFactory())
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEW and batch.running == ""
    assert "a échoué" in batch.error and "rien n'a été enregistré" in batch.error
    assert not Actor.objects.exists()  # the 119 actors written before the failure were rolled back

    monkeypatch.setattr(services, "record_apply", original)
    with django_capture_on_commit_callbacks(execute=True):
        importing.actor_import_start(batch=batch, step="confirm", by=UserFactory())
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CONFIRMED and batch.error == "" and Actor.objects.count() == 250
