from django.db import models


class KindGroup(models.TextChoices):
    """The families of actors a buyer looks for; the purchase-project panel counts actors by group."""

    ESS = "ess", "Économie sociale et solidaire"
    SIAE = "siae", "Insertion par l'activité économique"
    DISABILITY = "disability", "Entreprises adaptées et ESAT"
    CIRCULAR = "circular", "Économie circulaire"
    FOOD = "food", "Alimentation locale"
    OTHER = "other", "Autres"


class NatureAxis(models.TextChoices):
    WASTE = "waste", "Type de déchets"
    OBJECT = "object", "Catégorie d'objets (réemploi)"
    FOOD = "food", "Famille de produits alimentaires"
    LABEL = "label", "Label ou signe de qualité"


class AreaKind(models.TextChoices):
    UNKNOWN = "", "Non renseignée"
    RADIUS = "radius", "Rayon autour de l'adresse"
    COMMUNES = "communes", "Communes"
    DEPARTEMENTS = "departements", "Départements"
    NATIONAL = "national", "France entière"


class SourceKind(models.TextChoices):
    OPEN_DATA = "open_data", "Données ouvertes"
    PARTNER = "partner", "Liste d'un partenaire"
    API = "api", "API Recherche d'entreprises"
    SIRENE = "sirene", "Répertoire SIRENE"
    DEMO = "demo", "Démonstration (fictif)"


class ImportFormat(models.TextChoices):
    TABLE = "table", "Tableau CSV ou XLSX (avec correspondance des colonnes)"
    API_JSON = "api_json", "JSON de l'API Recherche d'entreprises"


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", "Aperçu (rien n'est importé)"
    CONFIRMED = "confirmed", "Importé"
    CANCELLED = "cancelled", "Abandonné"


class ImportStep(models.TextChoices):
    """The step of a partner import that waits for (or runs in) the worker."""

    NONE = "", "Aucune"
    PREVIEW = "preview", "Aperçu"
    CONFIRM = "confirm", "Import"


class RowOutcome(models.TextChoices):
    CREATE = "create", "Nouvel acteur"
    MERGE = "merge", "Fusionné avec un acteur existant"
    REJECT = "reject", "Rejeté"
