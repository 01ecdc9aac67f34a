"""The home organisation and, in demo mode only, its directions and one demo account per role."""

from django.conf import settings
from django.db import transaction

from spaser.accounts.enums import OrganisationKind, Role
from spaser.accounts.models import Direction, Membership, Organisation, User

# The Région Centre-Val de Loire's main departments named by its SPASER 2 (spec/spaser2.md).
DEMO_DIRECTIONS = [
    ("DASJ", "Direction des achats, des marchés publics et des affaires juridiques"),
    ("DETE", "Direction de l'environnement et de la transition énergétique"),
    ("DFP", "Direction de la formation professionnelle"),
    ("DTM", "Direction des transports et de la mobilité"),
    ("DLP", "Direction des lycées et du patrimoine"),
    ("DN", "Direction du numérique"),
    ("ADAPT", "Direction de l'évaluation et de l'adaptation des politiques publiques (ADAPT)"),
]

DEMO_DOMAIN = "demo.spaser.fr"
# role, e-mail local part, first name, last name, direction code
DEMO_USERS = [
    (Role.ADMIN, "admin", "Alice", "Administratrice", None),  # also a platform superuser (Django admin)
    (Role.BUYER, "acheteur", "Bruno", "Acheteur", "DASJ"),
    (Role.PRESCRIBER, "prescripteur", "Claire", "Prescriptrice", "DLP"),
    (Role.ENVIRONMENT, "environnement", "David", "Environnement", "DETE"),
    (Role.PILOT, "pilote", "Emma", "Pilote", "DFP"),
    (Role.READER, "lecteur", "Fabien", "Lecteur", None),
]


def demo_email(local_part: str) -> str:
    return f"{local_part}@{DEMO_DOMAIN}"


@transaction.atomic
def home_organisation_ensure() -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        siret=settings.SPASER_ORGANISATION_SIRET,
        defaults={
            "name": settings.SPASER_ORGANISATION_NAME,
            "kind": OrganisationKind.REGION,
            "region_code": "24",
            "departement_code": "45",
        },
    )
    return organisation


@transaction.atomic
def demo_data_create() -> list[User]:
    if not settings.SPASER_DEMO_MODE:
        raise RuntimeError("Les comptes de démonstration n'existent qu'en mode démonstration (SPASER_DEMO_MODE).")
    password = settings.SPASER_DEMO_PASSWORD
    if not password:
        raise RuntimeError("SPASER_DEMO_PASSWORD est vide : impossible de créer les comptes de démonstration.")
    organisation = home_organisation_ensure()
    directions = {}
    for code, name in DEMO_DIRECTIONS:
        directions[code], _ = Direction.objects.get_or_create(
            organisation=organisation, code=code, defaults={"name": name}
        )
    users = []
    for role, local_part, first_name, last_name, direction_code in DEMO_USERS:
        user = User.objects.filter(email=demo_email(local_part)).first()
        if user is None:
            create = User.objects.create_superuser if role == Role.ADMIN else User.objects.create_user
            user = create(email=demo_email(local_part), password=password, first_name=first_name, last_name=last_name)
        Membership.objects.get_or_create(
            user=user,
            organisation=organisation,
            role=role,
            direction=directions.get(direction_code),
        )
        users.append(user)
    return users
