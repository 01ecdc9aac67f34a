from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrateur"
    BUYER = "buyer", "Acheteur (direction des achats)"
    PRESCRIBER = "prescriber", "Prescripteur (direction acheteuse)"
    ENVIRONMENT = "environment", "Environnement (avis environnemental)"
    PILOT = "pilot", "Pilote de chantier"
    READER = "reader", "Lecteur"


class OrganisationKind(models.TextChoices):
    REGION = "region", "Région"
    DEPARTEMENT = "departement", "Département"
    COMMUNE = "commune", "Commune"
    EPCI = "epci", "EPCI"
    PUBLIC_BODY = "public_body", "Établissement public"
    STATE = "state", "État"
    OTHER = "other", "Autre"
