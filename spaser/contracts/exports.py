"""CSV (UTF-8, streamed) and XLSX exports of a filtered list of contracts."""

from spaser.core.exports import csv_stream, xlsx_export

XLSX_MAX_ROWS = 200_000  # an XLSX is built in memory; beyond, the CSV export is the way

COLUMNS = [
    ("uid", "Identifiant unique (SIRET acheteur + id)", lambda c: c.buyer_siret + c.external_id),
    ("acheteur_siret", "SIRET de l'acheteur", lambda c: c.buyer_siret),
    ("acheteur_nom", "Acheteur", lambda c: c.buyer.name),
    ("id", "Identifiant publié", lambda c: c.external_id),
    ("type", "Type", lambda c: c.get_kind_display()),
    ("nature", "Nature", lambda c: c.get_nature_display()),
    ("objet", "Objet", lambda c: c.object),
    ("cpv", "Code CPV", lambda c: c.cpv),
    ("famille", "Famille d'achat", lambda c: c.family.label if c.family else ""),
    ("procedure", "Procédure", lambda c: c.get_procedure_display()),
    ("date_notification", "Date de notification", lambda c: c.notified_on),
    ("duree_mois", "Durée actuelle (mois)", lambda c: c.current_duration_months),
    ("montant_initial", "Montant initial (€ HT)", lambda c: c.initial_amount),
    ("montant_actuel", "Montant actuel (€ HT)", lambda c: c.current_amount),
    ("lieu_code", "Lieu d'exécution (code)", lambda c: c.place_code),
    ("departement", "Département d'exécution", lambda c: c.place_departement.code if c.place_departement else ""),
    ("considerations_sociales", "Considérations sociales", lambda c: " | ".join(c.social_considerations)),
    (
        "considerations_environnementales",
        "Considérations environnementales",
        lambda c: " | ".join(c.environmental_considerations),
    ),
    (
        "titulaires",
        "Titulaires actuels",
        lambda c: " | ".join(f"{h.identifier_type} {h.identifier}" for h in c.current_holders),
    ),
    ("nb_modifications", "Nombre de modifications", lambda c: c.modification_count),
    ("sources", "Sources", lambda c: " | ".join(c.sources)),
]


def csv_rows(contracts):
    """Yields encoded CSV lines: header, then one line per row."""
    return csv_stream(COLUMNS, contracts)


def xlsx_bytes(contracts) -> bytes:
    return xlsx_export(COLUMNS, contracts, title="Contrats", max_rows=XLSX_MAX_ROWS)


def _publications(contract, anomaly) -> str:
    if anomaly.code != "doublon_divergent":
        return ""
    return " | ".join(
        f"{p.source or p.source_file} du {p.published_on or '?'} : {p.object}"
        for p in contract.other_publications.all()
    )


# One line per anomaly of a contract: (contract, Anomaly) pairs.
ANOMALY_COLUMNS = [
    ("uid", "Identifiant unique (SIRET acheteur + id)", lambda x: x[0].buyer_siret + x[0].external_id),
    ("acheteur_siret", "SIRET de l'acheteur", lambda x: x[0].buyer_siret),
    ("id", "Identifiant publié", lambda x: x[0].external_id),
    ("objet", "Objet", lambda x: x[0].object),
    ("date_notification", "Date de notification", lambda x: x[0].notified_on),
    ("anomalie", "Anomalie", lambda x: x[1].label),
    ("code_anomalie", "Code de l'anomalie", lambda x: x[1].code),
    ("champ", "Champ concerné", lambda x: x[1].field_label),
    ("champ_publie", "Champ publié", lambda x: x[1].field),
    ("valeur_publiee", "Valeur publiée", lambda x: x[1].original),
    ("autres_publications", "Autres publications (source, date, objet)", lambda x: _publications(*x)),
]


def anomaly_csv_rows(pairs):
    return csv_stream(ANOMALY_COLUMNS, pairs)
