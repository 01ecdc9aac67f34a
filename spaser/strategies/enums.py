from django.db import models


class ProjectState(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Soumise à validation"
    ENVIRONMENT_REVIEW = "environment_review", "Avis environnement en attente"
    CHANGES_REQUESTED = "changes_requested", "À reprendre"
    VALIDATED = "validated", "Validée"
    PUBLISHED = "published", "Publiée"
    AWARDED = "awarded", "Attribuée"
    CLOSED = "closed", "Clôturée"
    ABANDONED = "abandoned", "Abandonnée"


OPEN_STATES = frozenset(
    {
        ProjectState.DRAFT,
        ProjectState.SUBMITTED,
        ProjectState.ENVIRONMENT_REVIEW,
        ProjectState.CHANGES_REQUESTED,
        ProjectState.VALIDATED,
        ProjectState.PUBLISHED,
    }
)
EDITABLE_STATES = frozenset({ProjectState.DRAFT, ProjectState.CHANGES_REQUESTED})


class Transition(models.TextChoices):
    SUBMIT = "submit", "Soumettre à validation"
    REQUEST_OPINION = "request_opinion", "Demander l'avis environnement"
    GIVE_OPINION = "give_opinion", "Rendre l'avis environnement"
    REQUEST_CHANGES = "request_changes", "Demander des modifications"
    VALIDATE = "validate", "Valider"
    REOPEN = "reopen", "Rouvrir pour correction"
    PUBLISH = "publish", "Publier la consultation"
    AWARD = "award", "Marquer comme attribué"
    UNAWARD = "unaward", "Annuler l'attribution"
    CLOSE = "close", "Clôturer"
    ABANDON = "abandon", "Abandonner"


class ContractLinkEvent(models.TextChoices):
    """Entries of the project's log that are not state changes: published contracts attached or detached."""

    LINKED = "contract_linked", "Marché publié rattaché"
    UNLINKED = "contract_unlinked", "Marché publié détaché"


# States in which a form can be matched with the published contracts that answered it.
LINKABLE_STATES = frozenset({ProjectState.VALIDATED, ProjectState.PUBLISHED, ProjectState.AWARDED})


class ReconciliationKind(models.TextChoices):
    SOCIAL = "social", "Considération sociale"
    ENVIRONMENTAL = "environmental", "Considération environnementale"


class Procedure(models.TextChoices):
    ADAPTED = "adapted", "Procédure adaptée (MAPA)"
    OPEN_TENDER = "open_tender", "Appel d'offres ouvert"
    RESTRICTED_TENDER = "restricted_tender", "Appel d'offres restreint"
    COMPETITIVE_NEGOTIATION = "competitive_negotiation", "Procédure avec négociation"
    COMPETITIVE_DIALOGUE = "competitive_dialogue", "Dialogue compétitif"
    WITHOUT_PUBLICITY = "without_publicity", "Sans publicité ni mise en concurrence"
    JOINT_PURCHASING = "joint_purchasing", "Recours à une centrale d'achat"


class CriterionKind(models.TextChoices):
    PRICE = "price", "Prix"
    COST = "cost", "Coût global ou cycle de vie"
    TECHNICAL = "technical", "Valeur technique"
    ENVIRONMENTAL = "environmental", "Performance environnementale"
    SOCIAL = "social", "Performance sociale ou d'insertion"
    OTHER = "other", "Autre"


class ClauseDimension(models.TextChoices):
    ENVIRONMENTAL = "environmental", "Environnementale"
    SOCIAL = "social", "Sociale"
    ECONOMIC = "economic", "Économique et territoriale"
    INNOVATION = "innovation", "Innovation"


class ClauseKind(models.TextChoices):
    EXECUTION_CONDITION = "execution_condition", "Condition d'exécution"
    TECHNICAL_SPECIFICATION = "technical_specification", "Spécification technique"
    SELECTION_CRITERION = "selection_criterion", "Critère de sélection des candidatures"
    VARIANT = "variant", "Variante"


class Reservation(models.TextChoices):
    NONE = "", "Aucune réservation"
    DISABLED_WORKERS = "ea_esat", "Entreprises adaptées et ESAT (CCP L2113-12)"
    INSERTION = "siae", "Structures d'insertion par l'activité économique (CCP L2113-13)"
    SOCIAL_ECONOMY = "ess", "Entreprises de l'ESS, services sociaux et spécifiques (CCP L2113-15)"


class EnvironmentalDomain(models.TextChoices):
    BIODIVERSITY = "biodiversity", "Biodiversité"
    WATER = "water", "Eau"
    ENERGY = "energy", "Énergie"
    WASTE = "waste", "Déchets"
    CIRCULAR_ECONOMY = "circular_economy", "Économie circulaire"
    ENVIRONMENTAL_HEALTH = "environmental_health", "Santé environnementale"


class SocialDevice(models.TextChoices):
    APPRENTICES = "apprentices", "Accueil d'apprentis ou d'alternants"
    YOUNG_PEOPLE = "young_people", "Jeunes sortis du système scolaire"
    EQUALITY = "equality", "Égalité femmes-hommes (plan de progrès)"
    ABSENTEEISM = "absenteeism", "Critère de taux d'absentéisme"
    PARITY = "parity", "Critère de parité"


class Severity(models.TextChoices):
    BLOCKING = "blocking", "Bloquant"
    WARNING = "warning", "Avertissement"
    ADVICE = "advice", "Conseil"


class CheckStatus(models.TextChoices):
    PASSED = "passed", "Respecté"
    FAILED = "failed", "À corriger"
    NOT_APPLICABLE = "not_applicable", "Sans objet"


class Quarter(models.IntegerChoices):
    Q1 = 1, "1er trimestre"
    Q2 = 2, "2e trimestre"
    Q3 = 3, "3e trimestre"
    Q4 = 4, "4e trimestre"
