from django.db import models


class Status(models.TextChoices):
    """Where an indicator, a chantier, a thématique or an axe stands for a year."""

    REACHED = "reached", "Atteint"
    ON_TRACK = "on_track", "En bonne voie"
    LATE = "late", "En retard"
    NO_DATA = "no_data", "Sans donnée"


class ScopeKind(models.TextChoices):
    ORGANISATION = "organisation", "Organisation"
    FAMILY = "family", "Famille d'achat"
    DIRECTION = "direction", "Direction"
    DEPARTEMENT = "departement", "Département du lieu d'exécution"
    BUYER_KIND = "buyer_kind", "Catégorie d'acheteur (territoire)"


class Unit(models.TextChoices):
    PERCENT = "%", "%"
    COUNT = "count", "nombre"
    EUROS = "eur", "€ HT"
    DAYS = "days", "jours"
    HOURS = "hours", "heures"
