"""Synthetic DECP files shaped like the real ones, for the import benchmark (not used by tests).

    python benchmarks/generate_decp.py --records 100000 --format 2024 out.json

Records are written one by one (the generator's memory stays flat). 2024 format: marchés with
considerations, several holders, modifications, sub-contracting acts, and a few concessions; 2019 format:
marchés with holder names, time-zoned dates, legacy procedure labels and modifications. A small share of
records carries real-world anomalies (amount 0, duration "NC", lower-case labels, an unknown procedure, kept
and flagged) and about 0.5 % cannot be identified (buyer SIRET unreadable), so that the quarantine path is
measured too: since issue #17 only such records are quarantined.
"""

import argparse
import datetime as dt
import json
import random
import sys

PROCEDURES_2024 = ["Procédure adaptée", "Appel d'offres ouvert", "Procédure avec négociation"]
PROCEDURES_2019 = [*PROCEDURES_2024, "Procédure concurrentielle avec négociation"]
CPVS = ["45000000-7", "77313000-7", "90910000-9", "72000000-5", "30190000-7", "15800000-6", "79710000-4"]
SOCIAL = [
    ["Pas de considération sociale"],
    ["Clause sociale"],
    ["Critère social", "Clause sociale"],
    ["Marché réservé"],
]
ENVIRONMENTAL = [
    ["Pas de considération environnementale"],
    ["Critère environnemental"],
    ["Clause environnementale", "Critère environnemental"],
]
DEPARTEMENTS = ["18", "28", "36", "37", "41", "45"]


def luhn_siret(rng: random.Random) -> str:
    base = [rng.randint(0, 9) for _ in range(13)]
    for last in range(10):
        digits = [*base, last]
        total = 0
        for index, digit in enumerate(reversed(digits)):
            if index % 2:
                digit *= 2
                digit -= 9 if digit > 9 else 0
            total += digit
        if total % 10 == 0:
            return "".join(map(str, digits))
    raise AssertionError


def market_2024(rng, index, buyers, suppliers):
    notified = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 600))
    holders = [
        {"titulaire": {"typeIdentifiant": "SIRET", "id": rng.choice(suppliers)}}
        for _ in range(rng.choice([1, 1, 1, 2, 3]))
    ]
    record = {
        "id": f"{notified.year}-{index:08d}",
        "acheteur": {"id": rng.choice(buyers)},
        "nature": "Marché",
        "objet": f"Prestations de services n° {index} – lot {rng.randint(1, 9)}",
        "codeCPV": rng.choice(CPVS),
        "procedure": rng.choice(PROCEDURES_2024),
        "lieuExecution": {"code": f"{rng.choice(DEPARTEMENTS)}000", "typeCode": "Code postal"},
        "dureeMois": rng.choice([3, 12, 24, 36, 48]),
        "dateNotification": notified.isoformat(),
        "datePublicationDonnees": (notified + dt.timedelta(days=5)).isoformat(),
        "montant": round(rng.uniform(40_000, 2_000_000), 2),
        "formePrix": rng.choice(["Unitaire", "Forfaitaire", "Mixte"]),
        "typesPrix": {"typePrix": ["Définitif révisable"]},
        "attributionAvance": False,
        "offresRecues": rng.randint(1, 8),
        "marcheInnovant": False,
        "ccag": "Fournitures courantes et services",
        "sousTraitanceDeclaree": False,
        "typeGroupementOperateurs": "Pas de groupement" if len(holders) == 1 else "Conjoint",
        "titulaires": holders,
        "considerationsSociales": {"considerationSociale": rng.choice(SOCIAL)},
        "considerationsEnvironnementales": {"considerationEnvironnementale": rng.choice(ENVIRONMENTAL)},
        "modalitesExecution": {"modaliteExecution": ["Bons de commande"]},
        "techniques": {"technique": [rng.choice(["Accord-cadre", "Sans objet"])]},
    }
    if rng.random() < 0.15:
        record["modifications"] = [
            {
                "modification": {
                    "id": number,
                    "dateNotificationModification": (notified + dt.timedelta(days=30 * number)).isoformat(),
                    "datePublicationDonneesModification": (notified + dt.timedelta(days=30 * number + 3)).isoformat(),
                    "montant": round(record["montant"] * (1 + 0.1 * number), 2),
                }
            }
            for number in range(1, rng.randint(2, 4))
        ]
    if rng.random() < 0.05:
        record["actesSousTraitance"] = [
            {
                "acteSousTraitance": {
                    "id": 1,
                    "sousTraitant": {"typeIdentifiant": "SIRET", "id": rng.choice(suppliers)},
                    "dureeMois": 12,
                    "dateNotification": notified.isoformat(),
                    "datePublicationDonnees": notified.isoformat(),
                    "montant": 10000,
                    "variationPrix": "Ferme",
                }
            }
        ]
    anomaly = rng.random()
    if anomaly < 0.005:
        record["acheteur"] = {"id": "SIRET illisible"}  # cannot be identified → quarantine
    elif anomaly < 0.0075:
        record["procedure"] = "Procédure inventée"  # kept, the field empty and flagged
    elif anomaly < 0.02:
        record["montant"] = 0
    elif anomaly < 0.03:
        record["procedure"] = record["procedure"].upper()
    return record


def concession_2024(rng, index, buyers, suppliers):
    signed = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 600))
    return {
        "id": f"C{index:08d}",
        "autoriteConcedante": {"id": rng.choice(buyers)},
        "nature": "Concession de service",
        "objet": f"Délégation n° {index}",
        "procedure": "Procédure négociée ouverte",
        "dureeMois": 120,
        "dateSignature": signed.isoformat(),
        "datePublicationDonnees": signed.isoformat(),
        "dateDebutExecution": signed.isoformat(),
        "valeurGlobale": round(rng.uniform(1e5, 1e7), 2),
        "montantSubventionPublique": 0,
        "concessionnaires": [{"concessionnaire": {"typeIdentifiant": "SIRET", "id": rng.choice(suppliers)}}],
        "considerationsSociales": {"considerationSociale": ["Pas de considération sociale"]},
        "considerationsEnvironnementales": {"considerationEnvironnementale": ["Critère environnemental"]},
    }


def market_2019(rng, index, buyers, suppliers):
    notified = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
    record = {
        "_type": "Marché",
        "uid": "",
        "id": f"{notified.year}{index:08d}00",
        "acheteur": {"id": rng.choice(buyers), "nom": f"Commune {index % 500}"},
        "nature": rng.choice(["Marché", "Accord-cadre"]),
        "objet": f"Travaux d'entretien n° {index}",
        "codeCPV": rng.choice(CPVS),
        "procedure": rng.choice(PROCEDURES_2019),
        "lieuExecution": {"code": f"{rng.choice(DEPARTEMENTS)}000", "typeCode": "Code postal", "nom": "Ville"},
        "dureeMois": rng.choice([3, 12, 24, 36, "NC"] if rng.random() < 0.01 else [3, 12, 24, 36]),
        "dateNotification": notified.isoformat() + "+01:00",
        "datePublicationDonnees": (notified + dt.timedelta(days=20)).isoformat() + "+01:00",
        "montant": round(rng.uniform(25_000, 900_000), 2),
        "formePrix": rng.choice(["Ferme", "Révisable", "Ferme et actualisable"]),
        "titulaires": [
            {
                "typeIdentifiant": "SIRET",
                "id": rng.choice(suppliers),
                "denominationSociale": f"Entreprise {index % 997}",
            }
            for _ in range(rng.choice([1, 1, 2]))
        ],
        "modifications": [],
    }
    record["uid"] = record["acheteur"]["id"] + record["id"]
    if rng.random() < 0.1:
        record["modifications"] = [
            {
                "objetModification": "Avenant n° 1",
                "dateNotificationModification": notified.isoformat(),
                "datePublicationDonneesModification": (notified + dt.timedelta(days=40)).isoformat(),
                "montant": record["montant"] * 1.1,
            }
        ]
    if rng.random() < 0.005:
        record["acheteur"] = {"id": "non communiqué", "nom": record["acheteur"]["nom"]}  # → quarantine
    return record


def write(out, records: int, fmt: str, seed: int = 2026):
    rng = random.Random(seed)
    buyers = [luhn_siret(rng) for _ in range(max(10, records // 200))]
    suppliers = [luhn_siret(rng) for _ in range(max(20, records // 10))]
    if fmt == "2024":
        concessions = max(1, records // 100)
        markets = records - concessions
        out.write('{"marches":{"marche":[')
        for index in range(markets):
            out.write(
                ("," if index else "") + json.dumps(market_2024(rng, index, buyers, suppliers), ensure_ascii=False)
            )
        out.write('],"contrat-concession":[')
        for index in range(concessions):
            out.write(
                ("," if index else "") + json.dumps(concession_2024(rng, index, buyers, suppliers), ensure_ascii=False)
            )
        out.write("]}}")
    else:
        out.write('{"marches":[')
        for index in range(records):
            out.write(
                ("," if index else "") + json.dumps(market_2019(rng, index, buyers, suppliers), ensure_ascii=False)
            )
        out.write("]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--format", choices=["2019", "2024"], default="2024")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    with open(args.output, "w", encoding="utf-8") as out:
        write(out, args.records, args.format, args.seed)
    print(f"{args.records} enregistrements écrits dans {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
