"""The registry of import anomalies: every code the normaliser and the loader emit has a French label and an
explanation; whatever is stored is displayed without error."""

import ast
import re
from pathlib import Path

import pytest

from spaser.contracts import anomalies, duplicates
from spaser.imports.pipelines import decp

CODE = re.compile(r"([a-z]+(?:_[a-z]+)+)(?::|$)")
# Codes the coordinator's normaliser emits instead of rejecting a record (issue #17), always as
# ``code:field:original``; listed so that they are covered whatever the normaliser's source looks like.
KEPT_INSTEAD_OF_REJECTED = [
    "libelle_normalise",
    "valeur_inconnue",
    "type_invalide",
    "date_invalide",
    "montant_negatif",
    "valeur_negative",
    "cpv_invalide",
]


def _leading_text(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return node.values[0].value
    return None


def emitted_codes(source: str) -> set[str]:
    """Codes of the anomalies a module's source emits: the first argument of ``anomalies.append(...)`` and of
    ``reasons.add(...)`` (reasons become anomalies when a record is kept), and any literal shaped like
    ``code:...``."""
    codes = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            owner = node.func.value
            if (
                isinstance(owner, ast.Name)
                and (owner.id, node.func.attr) in {("anomalies", "append"), ("reasons", "add"), ("reasons", "keep")}
                and (text := _leading_text(node.args[0])) is not None
            ):
                codes.add(text.split(":", 1)[0])
        if (  # anomaly("code", field, value): the helper that writes code:field:original
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "anomaly"
            and node.args
            and (text := _leading_text(node.args[0])) is not None
        ):
            codes.add(text)
        text = _leading_text(node) if isinstance(node, ast.Constant | ast.JoinedStr) else None
        if text and ":" in text and (match := CODE.match(text)):
            codes.add(match.group(1))
    return codes


def test_the_source_parser_finds_the_codes_it_should():
    source = (
        'anomalies.append(f"montant_nul:{name}")\nreasons.add("valeur_inconnue", "x")\nx = f"a_b:{y}"\n'
        'reasons.keep("type_invalide", name, value)\nanomalies.append(anomaly("cpv_corrige", "codeCPV", value))\n'
    )
    assert emitted_codes(source) == {"montant_nul", "valeur_inconnue", "a_b", "type_invalide", "cpv_corrige"}


def test_every_code_emitted_by_the_normaliser_has_a_label():
    codes = emitted_codes(Path(decp.__file__).read_text(encoding="utf-8"))
    assert {"montant_nul", "cpv_corrige", "sans_titulaire", "champ_manquant"} <= codes  # the parser reads them
    missing = sorted(code for code in codes | set(KEPT_INSTEAD_OF_REJECTED) if code not in anomalies.KINDS)
    assert not missing, f"Anomalies sans libellé : {missing}"


def test_the_duplicate_anomaly_has_a_label():
    assert duplicates.ANOMALY in anomalies.KINDS


@pytest.mark.parametrize("kind", anomalies.KINDS.values(), ids=lambda kind: kind.code)
def test_labels_and_explanations_are_french_sentences_not_codes(kind):
    assert kind.label and kind.explanation.endswith(".")
    assert "_" not in kind.label and kind.code not in kind.explanation


def test_parse_keeps_colons_of_the_original_value():
    anomaly = anomalies.parse("valeur_inconnue:procedure:Procédure : adaptée")
    assert (anomaly.code, anomaly.field, anomaly.original) == ("valeur_inconnue", "procedure", "Procédure : adaptée")
    assert anomaly.label == "Libellé non reconnu" and anomaly.field_label == "procédure"
    assert anomalies.parse("sans_titulaire") == anomalies.Anomaly("sans_titulaire", "", None)
    assert anomalies.parse("cpv_corrige:codeCPV:1110000").original == "1110000"


def test_unknown_codes_and_fields_are_shown_as_published():
    anomaly = anomalies.parse("code_futur:champNouveau.sousChamp:x")
    assert anomaly.label == "Code futur"
    assert anomaly.kind.explanation
    assert anomaly.field_label == "champNouveau › sousChamp"
    assert anomalies.field_label("lieuExecution.typeCode") == "type de code du lieu d'exécution"
    assert anomalies.field_label("modification.titulaires") == "modification › titulaires"
    assert anomalies.field_label("objet,titulaires,dateNotification") == "objet, titulaires, date de notification"
    assert anomalies.kind_of("").label == "Anomalie"
