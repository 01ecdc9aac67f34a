"""French wording of the parser errors of the standard library and of the file readers, for the messages that
reach users (the parsers themselves speak English)."""

import json
import zipfile

# Start of the standard library's JSON decoder messages → what they mean, in French.
JSON_MESSAGES = (
    ("Expecting value", "valeur attendue"),
    ("Expecting property name", "nom de clé entre guillemets doubles attendu"),
    ("Expecting ':'", "deux-points « : » attendu après une clé"),
    ("Expecting ','", "virgule « , » ou fin de l'objet ou du tableau attendue"),
    ("Unterminated string", "chaîne de caractères sans guillemet fermant"),
    ("Invalid control character", "caractère de contrôle (retour à la ligne, tabulation…) non échappé dans un texte"),
    ("Invalid \\uXXXX", "séquence \\uXXXX invalide"),
    ("Invalid \\escape", "séquence d'échappement (barre oblique inverse) invalide"),
    ("Extra data", "données en trop après la fin du document"),
    ("Illegal trailing comma", "virgule en trop avant la fin de l'objet ou du tableau"),
)


def json_error_what(message: str) -> str:
    """What a ``json.JSONDecodeError`` message (``exc.msg``) says, in French."""
    return next((french for english, french in JSON_MESSAGES if message.startswith(english)), "syntaxe JSON invalide")


def json_error_french(exc: json.JSONDecodeError) -> str:
    """« ligne 3, colonne 12 : valeur attendue »: where and what."""
    return f"ligne {exc.lineno}, colonne {exc.colno} : {json_error_what(exc.msg)}"


def spreadsheet_error_french(exc: BaseException) -> str:
    """Why a workbook could not be opened (openpyxl raises many types for a damaged or non-xlsx file)."""
    if isinstance(exc, zipfile.BadZipFile):
        return (
            "ce n'est pas un classeur .xlsx (un .xlsx est une archive ZIP : celle-ci est absente, tronquée ou abîmée)"
        )
    if isinstance(exc, KeyError):
        return "une partie obligatoire du classeur manque (fichier incomplet ou produit par un logiciel incompatible)"
    if type(exc).__name__ == "InvalidFileException":
        return "ce format n'est pas accepté (enregistrez le fichier au format Excel .xlsx)"
    return "le classeur est endommagé ou n'est pas au format Excel .xlsx"
