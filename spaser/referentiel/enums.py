from django.db import models


class SpaserStatus(models.TextChoices):
    DRAFT = "draft", "Projet"
    ADOPTED = "adopted", "Adopté"


class ChantierStatus(models.TextChoices):
    PLANNED = "planned", "À lancer"
    IN_PROGRESS = "in_progress", "En cours"
    DONE = "done", "Terminé"
    ABANDONED = "abandoned", "Abandonné"


class DirectionRole(models.TextChoices):
    ACT = "act", "J'agis"
    INFORM = "inform", "J'informe"


class ImprovementDirection(models.TextChoices):
    INCREASE = "increase", "À la hausse"
    DECREASE = "decrease", "À la baisse"


class IndicatorMode(models.TextChoices):
    COMPUTED = "computed", "Calculé à partir des données"
    MANUAL = "manual", "Saisi par le pilote"


class Nature(models.TextChoices):
    WORKS = "works", "Travaux"
    SUPPLIES = "supplies", "Fournitures"
    SERVICES = "services", "Services"


class ItemKind(models.TextChoices):
    AWARD_CRITERION = "award_criterion", "Critère d'attribution"
    EXECUTION_CLAUSE = "execution_clause", "Condition d'exécution / clause"
    TECHNICAL_SPECIFICATION = "technical_specification", "Spécification technique"
    SELECTION_CRITERION = "selection_criterion", "Critère de sélection des candidatures"
    RESERVATION = "reservation", "Réservation du marché ou d'un lot"
    VARIANT = "variant", "Variante"


class Dimension(models.TextChoices):
    ENVIRONMENTAL = "environmental", "Environnementale"
    SOCIAL = "social", "Sociale"
    ECONOMIC = "economic", "Économique et territoriale"
    INNOVATION = "innovation", "Innovation"


class Obligation(models.TextChoices):
    LEGAL = "legal", "Obligation légale"
    SPASER = "spaser", "Exigence du SPASER"
    OPTIONAL = "optional", "Facultatif"


class LegalStatus(models.TextChoices):
    VERIFIED = "verified", "Vérifié"
    PARTIAL = "partial", "Partiellement vérifié"
    UNVERIFIED = "unverified", "Non vérifié"


class Ambition(models.TextChoices):
    BASE = "base", "Socle"
    ADVANCED = "advanced", "Avancé"


class BuyerKind(models.TextChoices):
    CENTRAL = "central", "Autorité publique centrale (État)"
    SUB_CENTRAL = "sub_central", "Pouvoir adjudicateur sous-central (collectivité territoriale)"
    UTILITIES = "utilities", "Entité adjudicatrice (réseaux)"


class ContractNature(models.TextChoices):
    WORKS = "works", "Travaux"
    SUPPLIES = "supplies", "Fournitures"
    SERVICES = "services", "Services"
    CONCESSION = "concession", "Concession"


class AmountOperator(models.TextChoices):
    GTE = "gte", "Montant supérieur ou égal au seuil"
    GT = "gt", "Montant strictement supérieur au seuil"
    LT = "lt", "Montant strictement inférieur au seuil"
