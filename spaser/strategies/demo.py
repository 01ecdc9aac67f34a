"""Demo purchase projects and programme entries (demo mode only), made through the services like real ones."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from spaser.accounts.demo import demo_email
from spaser.accounts.models import Direction, Organisation, User
from spaser.referentiel.enums import ContractNature
from spaser.referentiel.models import Family
from spaser.strategies import selectors, services
from spaser.strategies.enums import ClauseDimension, CriterionKind, EnvironmentalDomain, ProjectState
from spaser.strategies.models import PurchaseProject

D = Decimal
CRITERIA = [
    {"label": "Prix", "kind": CriterionKind.PRICE, "weight": D(50)},
    {"label": "Valeur technique", "kind": CriterionKind.TECHNICAL, "weight": D(35)},
    {"label": "Performance environnementale", "kind": CriterionKind.ENVIRONMENTAL, "weight": D(15)},
]
ENV_CLAUSE = {"label": "Réduction et valorisation des déchets", "dimension": ClauseDimension.ENVIRONMENTAL}

PROGRAMME = [
    # subject, direction, family, cpv, amount, nature, launch date, quarter
    ("Rénovation énergétique du lycée Jean-Zay", "DLP", "TRV-CONSTRUCTION", "45453000", 2400000, "works", None, 4),
    ("Nettoyage des locaux du siège régional", "DLP", "NETTOYAGE", "90910000", 320000, "services", "2026-09-15", None),
    ("Ordinateurs portables pour les lycées", "DLP", "INFORMATIQUE", "30213100", 850000, "supplies", None, 3),
    ("Denrées alimentaires bio et locales (cantines)", "DLP", "ALIMENTATION", "15000000", 600000, "supplies", None, 2),
    ("Transport scolaire – lignes Rémi du Loir-et-Cher", "DTM", "", "60130000", 1800000, "services", None, 1),
    ("Formation des chauffeurs à l'écoconduite", "DTM", "", "80500000", 35000, "services", None, 4),
]


def _family(code):
    return Family.objects.filter(code=code).first() if code else None


# A real purchase of the Région, published in the DECP loaded by `make run` (marches-publics.info, 2019 format):
# the demo form is confirmed against the contract the platform suggests for it.
AWARDED_SUBJECT = "Assistance informatique aux utilisateurs de la Région"


def _complete(project, by, clauses=(ENV_CLAUSE,), **extra):
    data = {
        "planned_launch_date": datetime.date(2026, 10, 1),
        "duration_months": 36,
        "allotment_reason": "Prestation indivisible : un seul interlocuteur pour l'ensemble des sites.",
        "sourcing_done": True,
        "sourcing_with": "Trois entreprises régionales et la CRESS",
        "environmental_domains": [EnvironmentalDomain.WASTE, EnvironmentalDomain.ENERGY],
        "insertion_clause": True,
        "insertion_labour_share": D(50),
        "insertion_rate": D(5),
        "insertion_hourly_cost": D(30),
        **extra,
    }
    data["insertion_hours"] = services.compliance.insertion_hours(
        amount=project.estimated_amount, labour_share=D(50), insertion_rate=D(5), hourly_cost=D(30)
    )
    return services.project_update(
        project=project,
        by=by,
        data=data,
        criteria=CRITERIA,
        clauses=list(clauses),
        expected_version=project.version,
    )


def demo_awarded_project_ensure(
    *, organisation, buyer, author, directions, environment=None
) -> PurchaseProject | None:
    """A validated, published form confirmed against the Région's real contract: "Attribuée" on its page,
    the contract in the reconciliation report (its 2019 publication has no considerations to compare).
    `author` writes and submits it, the acheteur validates it (the author of a form does not validate it).

    Nothing is created when the Région's contracts are not loaded (no DECP import) or when it exists."""
    from spaser.contracts.models import Contract

    if PurchaseProject.objects.of_organisation(organisation).filter(subject=AWARDED_SUBJECT).exists():
        return None
    if not Contract.objects.of_buyer(organisation).exists():
        return None
    project = services.project_create(
        organisation=organisation,
        by=author,
        data={
            "subject": AWARDED_SUBJECT,
            "direction": directions.get("DN"),
            "family": _family("INFORMATIQUE"),
            "cpv_codes": ["72253000"],
            "nature": ContractNature.SERVICES,
            "estimated_amount": D(1250000),
        },
    )
    project = _complete(
        project,
        author,
        planned_launch_date=datetime.date(2018, 9, 1),
        planned_notification_date=datetime.date(2018, 12, 20),
    )
    project = services.project_submit(project=project, by=author)
    if project.state == ProjectState.ENVIRONMENT_REVIEW:  # the organisation's settings asked for an opinion
        services.project_give_opinion(
            project=project, by=environment or buyer, comment="Avis de démonstration.", favourable=True
        )
    services.project_validate(project=project, by=buyer, comment="Bon pour lancement.")
    services.project_publish(
        project=project, by=buyer, comment="Avis de marché publié.", launch_date=datetime.date(2018, 9, 1)
    )
    candidates = selectors.contract_suggestions(project, limit=1)
    if candidates:
        services.project_contract_confirm(
            project=project,
            contract_ids=[candidates[0].contract.pk],
            by=buyer,
            scores={candidates[0].contract.pk: candidates[0].score},
        )
    return project


@transaction.atomic
def demo_projects_ensure() -> int:
    organisation = Organisation.objects.filter(siret=settings.SPASER_ORGANISATION_SIRET).first()
    users = {user.email: user for user in User.objects.filter(email__endswith="@demo.spaser.fr")}
    buyer, prescriber = users.get(demo_email("acheteur")), users.get(demo_email("prescripteur"))
    environment = users.get(demo_email("environnement"))
    if organisation is None or buyer is None or prescriber is None:
        return 0
    directions = {direction.code: direction for direction in Direction.objects.filter(organisation=organisation)}
    awarded = demo_awarded_project_ensure(
        organisation=organisation, buyer=buyer, author=prescriber, directions=directions, environment=environment
    )
    if PurchaseProject.objects.of_organisation(organisation).exclude(subject=AWARDED_SUBJECT).exists():
        return int(awarded is not None)
    entries = []
    for subject, direction, family, cpv_code, amount, nature, launch, quarter in PROGRAMME:
        entries.append(
            services.programme_entry_save(
                organisation=organisation,
                data={
                    "year": 2026,
                    "subject": subject,
                    "direction": directions.get(direction),
                    "family": _family(family),
                    "cpv_code": cpv_code,
                    "estimated_amount": D(amount),
                    "nature": nature,
                    "planned_launch_date": datetime.date.fromisoformat(launch) if launch else None,
                    "planned_quarter": quarter,
                    "is_recurrent": nature != ContractNature.WORKS,
                },
            )
        )
    services.programme_entries_publish(
        organisation=organisation, entry_ids=[entries[0].pk, entries[4].pk], publish=True
    )

    # 1. A draft made from the programme, still incomplete (the checklist shows what is missing).
    services.project_create_from_entry(entry=entries[0], by=prescriber)
    # 2. Submitted, waiting for the acheteur.
    cleaning = services.project_create_from_entry(entry=entries[1], by=prescriber)
    cleaning = _complete(cleaning, prescriber)
    services.project_submit(project=cleaning, by=prescriber)
    # 3. Sent back for changes: its author, the prescripteur, reworks it and the acheteur validates it (the demo
    # journey: whoever writes or submits a form does not validate it).
    laptops = services.project_create_from_entry(entry=entries[2], by=prescriber)
    social_clause = {
        "label": "Préparation et livraison confiées à une entreprise adaptée",
        "dimension": ClauseDimension.SOCIAL,
    }
    laptops = _complete(laptops, prescriber, clauses=(ENV_CLAUSE, social_clause), insertion_clause=False)
    services.project_submit(project=laptops, by=prescriber)
    services.project_request_changes(
        project=laptops, by=buyer, comment="Prévoir une clause de reprise des anciens postes (réemploi)."
    )
    # 4. Validated after an environment opinion.
    food = services.project_create_from_entry(entry=entries[3], by=prescriber)
    food = _complete(food, prescriber)
    services.project_submit(project=food, by=prescriber)
    services.project_request_opinion(project=food, by=buyer, comment="Famille à fort enjeu (EGalim).")
    if environment is not None:
        services.project_give_opinion(
            project=food, by=environment, comment="Critère environnemental bien calibré.", favourable=True
        )
    else:
        services.project_request_changes(project=food, by=buyer, comment="Avis indisponible.")
        services.project_submit(project=food, by=prescriber)
    services.project_validate(project=food, by=buyer, comment="Bon pour lancement.")
    # 5. Published. Written by the prescripteur: the acheteur who validates a form is not its author.
    transport = services.project_create_from_entry(entry=entries[4], by=prescriber)
    transport = _complete(transport, prescriber)
    services.project_submit(project=transport, by=prescriber)
    services.project_validate(project=transport, by=buyer)
    services.project_publish(
        project=transport, by=buyer, comment="Avis de marché publié.", launch_date=datetime.date(2026, 10, 1)
    )
    return PurchaseProject.objects.of_organisation(organisation).count()
