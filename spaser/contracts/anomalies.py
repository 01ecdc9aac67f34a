"""Anomalies noted on import (``Contract.anomalies``): a French label and a plain-French explanation per code, and
French names for the published fields they concern.

An anomaly is stored as ``code``, ``code:field`` or ``code:field:original published value`` (the original may
hold colons: split with ``split(":", 2)``). Every code the DECP normaliser (``imports.pipelines.decp``) or the
loader (``contracts.duplicates``) emits has an entry here; a code or field met without one is still shown,
as published, never as an error.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AnomalyKind:
    code: str
    label: str
    explanation: str


def _kinds(*entries) -> dict[str, AnomalyKind]:
    return {code: AnomalyKind(code, label, explanation) for code, label, explanation in entries}


KINDS = _kinds(
    (
        "doublon_divergent",
        "Même identifiant publié pour deux contrats différents",
        "L'acheteur a publié deux fois le même identifiant de marché avec un objet, des titulaires ou une date "
        "de notification différents. Les deux publications sont conservées ; la fiche montre la plus récente. "
        "Un des deux contrats devrait recevoir un autre identifiant.",
    ),
    (
        "caracteres_illisibles",
        "Caractères illisibles",
        "Le texte publié contient des caractères qui n'ont pas pu être décodés (« � ») : il est gardé tel quel.",
    ),
    (
        "texte_reencode",
        "Accents mal encodés, corrigés",
        "Le texte avait été publié avec un mauvais encodage (« SociÃ©tÃ© ») ; il a été rétabli (« Société »).",
    ),
    (
        "champ_manquant",
        "Information obligatoire absente",
        "Un champ obligatoire du format DECP n'est pas publié : la donnée reste vide.",
    ),
    (
        "champ_type_obsolete",
        "Champ de l'ancien format",
        "La publication au format 2024 contient encore le champ « _type » du format 2019 : il est ignoré.",
    ),
    (
        "code_lieu_tronque",
        "Code du lieu d'exécution trop long",
        "Le code publié est plus long que tout code de lieu réel ; seuls ses 10 premiers caractères sont gardés.",
    ),
    (
        "code_postal_complete",
        "Code postal complété",
        "Le code postal publié avait perdu son zéro initial (4 chiffres) ; il a été complété.",
    ),
    (
        "considerations_contradictoires",
        "Considérations contradictoires",
        "La publication déclare à la fois « pas de considération » et une clause ou un critère : les deux "
        "valeurs sont gardées.",
    ),
    (
        "cpv_corrige",
        "Code CPV corrigé",
        "Le code CPV publié était mal formé (zéro initial perdu, tiret ou chiffre de contrôle) ; il a été "
        "rapproché du code de la nomenclature.",
    ),
    (
        "cpv_hors_nomenclature",
        "Code CPV hors nomenclature",
        "Le code CPV est bien formé mais absent de la nomenclature CPV 2008 (ancien code ou code de remplissage) : "
        "il est gardé, sans famille d'achat.",
    ),
    (
        "cpv_invalide",
        "Code CPV inutilisable",
        "La valeur publiée n'est pas un code CPV : le code reste vide.",
    ),
    (
        "date_corrigee",
        "Date corrigée",
        "L'année publiée était impossible (« 0218 ») ; la date a été corrigée d'après la date de publication.",
    ),
    (
        "date_impossible_ignoree",
        "Date impossible, ignorée",
        "La date publiée est hors des années plausibles et n'a pas pu être corrigée : elle reste vide.",
    ),
    (
        "date_invalide",
        "Date illisible",
        "La valeur publiée n'est pas une date lisible : la date reste vide.",
    ),
    (
        "date_jj_mm_aaaa",
        "Date au format jour/mois/année",
        "La date était écrite à la française (JJ/MM/AAAA) au lieu du format AAAA-MM-JJ ; elle a été lue ainsi.",
    ),
    (
        "duree_nulle",
        "Durée nulle",
        "La durée publiée est de 0 mois : elle est gardée, mais elle est probablement inexacte.",
    ),
    (
        "montant_aberrant",
        "Montant aberrant",
        "Le montant publié (au moins 999 999 999 €) ressemble à une valeur de remplissage : il est gardé mais "
        "à vérifier.",
    ),
    (
        "montant_aberrant_ignore",
        "Montant hors limites, ignoré",
        "Le montant publié dépasse toute valeur possible : il n'est pas enregistré.",
    ),
    (
        "montant_negatif",
        "Montant négatif, ignoré",
        "Le montant publié est négatif : il n'est pas enregistré.",
    ),
    (
        "montant_nul",
        "Montant nul",
        "Le montant publié est de 0 € : il est gardé, mais il est probablement inexact.",
    ),
    (
        "non_communique",
        "Valeur non communiquée",
        "L'acheteur a publié « NC » (non communiqué) au lieu d'un nombre : la donnée reste vide.",
    ),
    (
        "offres_recues_nulles",
        "Aucune offre reçue",
        "Le nombre d'offres reçues publié est 0 pour un marché attribué : il est probablement inexact.",
    ),
    (
        "origine_france_superieure_ue",
        "Part d'origine France supérieure à la part UE",
        "La part des produits d'origine française dépasse celle d'origine européenne, qui l'inclut : une des "
        "deux est inexacte.",
    ),
    (
        "part_hors_bornes",
        "Part hors de 0 à 1",
        "Une part (taux d'avance, part d'origine) doit être comprise entre 0 et 1 ; la valeur publiée ne l'est "
        "pas et n'est pas enregistrée.",
    ),
    (
        "sans_titulaire",
        "Aucun titulaire",
        "Aucun titulaire identifiable n'est publié pour ce contrat.",
    ),
    (
        "siret_titulaire_invalide",
        "SIRET du titulaire invalide",
        "L'identifiant publié comme SIRET n'a pas 14 chiffres : le titulaire est gardé tel quel.",
    ),
    (
        "taux_avance_sans_avance",
        "Taux d'avance sans avance",
        "Un taux d'avance est publié alors que l'avance est déclarée non attribuée.",
    ),
    (
        "titulaire_sans_identifiant",
        "Titulaire sans identifiant",
        "Un titulaire est publié sans identifiant (SIRET ou autre) : il ne peut pas être rattaché à une "
        "entreprise et n'est pas enregistré.",
    ),
    (
        "titulaire_ignore",
        "Titulaire sans type d'identifiant lisible",
        "Le type d'identifiant publié pour un titulaire n'est pas compris et son identifiant n'est pas un SIRET : "
        "le titulaire ne peut pas être rattaché à une entreprise et n'est pas enregistré (la publication d'origine "
        "le garde).",
    ),
    (
        "type_identifiant_deduit",
        "Type d'identifiant déduit",
        "Le type d'identifiant du titulaire n'est pas publié ou pas compris ; il a été déduit de l'identifiant "
        "(14 chiffres : SIRET).",
    ),
    (
        "type_invalide",
        "Valeur d'un type inattendu",
        "La valeur publiée n'est pas du type attendu (texte au lieu d'un nombre, liste au lieu d'un objet…) : "
        "la donnée reste vide.",
    ),
    (
        "id_invalide",
        "Identifiant du marché inutilisable",
        "L'identifiant publié du contrat est vide ou inutilisable : l'enregistrement ne peut pas être identifié.",
    ),
    (
        "siret_invalide",
        "SIRET de l'acheteur invalide",
        "Le SIRET publié de l'acheteur n'a pas 14 chiffres : l'enregistrement ne peut pas être rattaché.",
    ),
    (
        "libelle_normalise",
        "Libellé rapproché de la nomenclature",
        "Le libellé publié différait de la nomenclature (accents, majuscules, espaces, apostrophes, ou ancien "
        "libellé) ; il a été rapproché de la valeur officielle.",
    ),
    (
        "valeur_inconnue",
        "Libellé non reconnu",
        "Le libellé publié ne correspond à aucune valeur de la nomenclature DECP : la donnée reste vide.",
    ),
    (
        "valeur_aberrante_ignoree",
        "Nombre aberrant, ignoré",
        "Le nombre publié est hors de toute valeur plausible : il n'est pas enregistré.",
    ),
    (
        "valeur_negative",
        "Nombre négatif, ignoré",
        "Le nombre publié (durée, nombre d'offres…) est négatif : il n'est pas enregistré.",
    ),
    (
        "valeur_non_entiere_ignoree",
        "Nombre non entier, ignoré",
        "Un nombre entier était attendu (durée en mois, nombre d'offres…) ; la valeur publiée a des décimales "
        "et n'est pas enregistrée plutôt que d'être arrondie.",
    ),
)

# French names of the published fields (DECP names) and of the parts of dotted names.
FIELDS = {
    "id": "identifiant",
    "objet": "objet",
    "nature": "nature",
    "procedure": "procédure",
    "codeCPV": "code CPV",
    "titulaires": "titulaires",
    "titulaire": "titulaire",
    "concessionnaires": "concessionnaires",
    "concessionnaire": "concessionnaire",
    "dateNotification": "date de notification",
    "dateSignature": "date de signature",
    "datePublicationDonnees": "date de publication des données",
    "dateDebutExecution": "date de début d'exécution",
    "dureeMois": "durée (mois)",
    "montant": "montant",
    "valeurGlobale": "valeur globale",
    "montantSubventionPublique": "subvention publique",
    "lieuExecution": "lieu d'exécution",
    "lieuExecution.code": "code du lieu d'exécution",
    "lieuExecution.typeCode": "type de code du lieu d'exécution",
    "lieuExecution.nom": "nom du lieu d'exécution",
    "typeCode": "type de code",
    "code": "code",
    "nom": "nom",
    "acheteur": "acheteur",
    "autoriteConcedante": "autorité concédante",
    "source": "source",
    "formePrix": "forme du prix",
    "typesPrix": "types de prix",
    "typePrix": "type de prix",
    "techniques": "techniques d'achat",
    "technique": "technique d'achat",
    "modalitesExecution": "modalités d'exécution",
    "modaliteExecution": "modalité d'exécution",
    "idAccordCadre": "identifiant de l'accord-cadre",
    "marcheInnovant": "marché innovant",
    "ccag": "CCAG",
    "offresRecues": "offres reçues",
    "attributionAvance": "attribution d'une avance",
    "tauxAvance": "taux d'avance",
    "typeGroupementOperateurs": "groupement d'opérateurs",
    "sousTraitanceDeclaree": "sous-traitance déclarée",
    "origineUE": "part d'origine UE",
    "origineFrance": "part d'origine France",
    "considerationsSociales": "considérations sociales",
    "considerationSociale": "considération sociale",
    "considerationsEnvironnementales": "considérations environnementales",
    "considerationEnvironnementale": "considération environnementale",
    "sociales": "considérations sociales",
    "environnementales": "considérations environnementales",
    "modification": "modification",
    "modifications": "modifications",
    "objetModification": "objet de la modification",
    "acteSousTraitance": "acte de sous-traitance",
    "actesSousTraitance": "actes de sous-traitance",
    "sousTraitant": "sous-traitant",
    "typeIdentifiant": "type d'identifiant",
    "denominationSociale": "dénomination sociale",
    "nature_contrat": "nature du contrat",
}


@dataclass(frozen=True, slots=True)
class Anomaly:
    """One anomaly of a contract, read for display."""

    code: str
    field: str
    original: str | None

    @property
    def kind(self) -> AnomalyKind:
        return kind_of(self.code)

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def field_label(self) -> str:
        return field_label(self.field)


def parse(text: str) -> Anomaly:
    code, field, original = (str(text).split(":", 2) + [None, None])[:3]
    return Anomaly(code, field or "", original)


def kind_of(code: str) -> AnomalyKind:
    """The registry's entry, or one built from the code itself for a code the registry does not know."""
    found = KINDS.get(code)
    if found is not None:
        return found
    readable = code.replace("_", " ").strip().capitalize() or "Anomalie"
    return AnomalyKind(code, readable, "Anomalie relevée à l'import, sans description pour l'instant.")


def field_label(name: str) -> str:
    """French name of a published field (``lieuExecution.typeCode``), or of a list of them (``objet,titulaires``,
    a divergent duplicate); unknown parts are shown as published."""
    if "," in name:
        return ", ".join(field_label(part) for part in name.split(",") if part)
    if name in FIELDS:
        return FIELDS[name]
    return " › ".join(FIELDS.get(part, part) for part in name.split(".") if part)
