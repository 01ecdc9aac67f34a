"""Enumerations of the DECP formats (2019 "v1.5" and 2024 "v2").

Values are English identifiers; labels are the official French wording of the arrêtés, so that the
importer can map a published label back to its value (see ``spaser.imports.pipelines.vocabulary``).
Source: shared/spec/decp.md §1-§4.
"""

from django.db import models


class ContractKind(models.TextChoices):
    MARKET = "market", "Marché public"
    CONCESSION = "concession", "Contrat de concession"


class Nature(models.TextChoices):
    MARKET = "market", "Marché"
    PARTNERSHIP = "partnership", "Marché de partenariat"
    DEFENCE = "defence", "Marché de défense ou de sécurité"
    # 2019 format only: v2 moved them to ``techniques`` / ``modalitesExecution``.
    FRAMEWORK_AGREEMENT = "framework_agreement", "Accord-cadre"
    SUBSEQUENT = "subsequent", "Marché subséquent"
    WORKS_CONCESSION = "works_concession", "Concession de travaux"
    SERVICE_CONCESSION = "service_concession", "Concession de service"
    PUBLIC_SERVICE_CONCESSION = "public_service_concession", "Concession de service public"
    PUBLIC_SERVICE_DELEGATION = "public_service_delegation", "Délégation de service public"


class Procedure(models.TextChoices):
    ADAPTED = "adapted", "Procédure adaptée"
    OPEN_TENDER = "open_tender", "Appel d'offres ouvert"
    RESTRICTED_TENDER = "restricted_tender", "Appel d'offres restreint"
    NEGOTIATED = "negotiated", "Procédure avec négociation"
    NO_COMPETITION = "no_competition", "Marché passé sans publicité ni mise en concurrence préalable"
    COMPETITIVE_DIALOGUE = "competitive_dialogue", "Dialogue compétitif"
    NEGOTIATED_OPEN = "negotiated_open", "Procédure négociée ouverte"
    NON_NEGOTIATED_OPEN = "non_negotiated_open", "Procédure non négociée ouverte"
    NEGOTIATED_RESTRICTED = "negotiated_restricted", "Procédure négociée restreinte"
    NON_NEGOTIATED_RESTRICTED = "non_negotiated_restricted", "Procédure non négociée restreinte"


class Technique(models.TextChoices):
    FRAMEWORK_AGREEMENT = "framework_agreement", "Accord-cadre"
    DESIGN_CONTEST = "design_contest", "Concours"
    QUALIFICATION_SYSTEM = "qualification_system", "Système de qualification"
    DYNAMIC_PURCHASING = "dynamic_purchasing", "Système d'acquisition dynamique"
    E_CATALOGUE = "e_catalogue", "Catalogue électronique"
    E_AUCTION = "e_auction", "Enchère électronique"
    NONE = "none", "Sans objet"


class ExecutionModality(models.TextChoices):
    TRANCHES = "tranches", "Tranches"
    PURCHASE_ORDERS = "purchase_orders", "Bons de commande"
    SUBSEQUENT_CONTRACTS = "subsequent_contracts", "Marchés subséquents"
    NONE = "none", "Sans objet"


class Ccag(models.TextChoices):
    WORKS = "works", "Travaux"
    PROJECT_MANAGEMENT = "project_management", "Maitrise d'œuvre"
    SUPPLIES_SERVICES = "supplies_services", "Fournitures courantes et services"
    INDUSTRIAL = "industrial", "Marchés industriels"
    INTELLECTUAL = "intellectual", "Prestations intellectuelles"
    ICT = "ict", "Techniques de l'information et de la communication"
    NONE = "none", "Pas de CCAG"


class Grouping(models.TextChoices):
    JOINT = "joint", "Conjoint"
    JOINT_AND_SEVERAL = "joint_and_several", "Solidaire"
    NONE = "none", "Pas de groupement"


class PriceForm(models.TextChoices):
    UNIT = "unit", "Unitaire"
    LUMP_SUM = "lump_sum", "Forfaitaire"
    MIXED = "mixed", "Mixte"
    # 2019 format values (v2 split them into formePrix + typesPrix).
    FIRM = "firm", "Ferme"
    FIRM_UPDATABLE = "firm_updatable", "Ferme et actualisable"
    REVISABLE = "revisable", "Révisable"


class PriceType(models.TextChoices):
    FIRM = "firm", "Définitif ferme"
    UPDATABLE = "updatable", "Définitif actualisable"
    REVISABLE = "revisable", "Définitif révisable"
    PROVISIONAL = "provisional", "Provisoire"


class IdentifierType(models.TextChoices):
    SIRET = "SIRET", "SIRET"
    TVA = "TVA", "TVA intracommunautaire"
    TAHITI = "TAHITI", "Numéro TAHITI"
    RIDET = "RIDET", "Numéro RIDET"
    FRWF = "FRWF", "Numéro FRWF (Wallis-et-Futuna)"
    IREP = "IREP", "Numéro IREP"
    UE = "UE", "Identifiant UE"
    HORS_UE = "HORS-UE", "Identifiant hors UE"


class PlaceType(models.TextChoices):
    POSTCODE = "postcode", "Code postal"
    COMMUNE = "commune", "Code commune"
    ARRONDISSEMENT = "arrondissement", "Code arrondissement"
    CANTON = "canton", "Code canton"
    DEPARTEMENT = "departement", "Code département"
    REGION = "region", "Code région"
    COUNTRY = "country", "Code pays"


class SocialConsideration(models.TextChoices):
    CLAUSE = "clause", "Clause sociale"
    CRITERION = "criterion", "Critère social"
    RESERVED = "reserved", "Marché réservé"
    NONE = "none", "Pas de considération sociale"


class EnvironmentalConsideration(models.TextChoices):
    CLAUSE = "clause", "Clause environnementale"
    CRITERION = "criterion", "Critère environnemental"
    NONE = "none", "Pas de considération environnementale"


class PriceVariation(models.TextChoices):
    FIRM = "firm", "Ferme"
    UPDATABLE = "updatable", "Actualisable"
    REVISABLE = "revisable", "Révisable"
