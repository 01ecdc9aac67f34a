import pytest

from spaser.actors.services import taxonomy_load
from spaser.geo.models import Commune, Departement, PostalCode, Region

# A few real communes of Centre-Val de Loire (COG, La Poste centroids).
COMMUNES = [
    ("37261", "Tours", "37", 47.3986382281, 0.696526376417, ["37000", "37100", "37200"]),
    ("37208", "Saint-Avertin", "37", 47.3571561121, 0.737544440483, ["37550"]),
    ("28134", "Dreux", "28", 48.7485203213, 1.35931854112, ["28100"]),
    ("28404", "Vernouillet", "28", 48.7197917196, 1.35089721897, ["28500"]),
    ("28085", "Chartres", "28", 48.4471464884, 1.50570610616, ["28000"]),
    ("45234", "Orléans", "45", 47.8828634214, 1.91610357477, ["45000", "45100"]),
    ("18033", "Bourges", "18", 47.0775851578, 2.40525443887, ["18000"]),
    ("41018", "Blois", "41", 47.5817013938, 1.30625551583, ["41000"]),
    ("36044", "Châteauroux", "36", 46.8029617263, 1.69399812022, ["36000"]),
    ("28380", "Saint-Denis-Lanneray", "28", 48.0770, 1.2740, ["28200"]),
]
DEPARTEMENTS = {
    "18": "Cher",
    "28": "Eure-et-Loir",
    "36": "Indre",
    "37": "Indre-et-Loire",
    "41": "Loir-et-Cher",
    "45": "Loiret",
}


@pytest.fixture
def geo():
    region = Region.objects.create(code="24", name="Centre-Val de Loire")
    departements = {
        code: Departement.objects.create(code=code, name=name, region=region) for code, name in DEPARTEMENTS.items()
    }
    communes = {}
    for code, name, departement, latitude, longitude, postcodes in COMMUNES:
        commune = Commune.objects.create(
            code=code, name=name, departement=departements[departement], latitude=latitude, longitude=longitude
        )
        for postcode in postcodes:
            PostalCode.objects.create(code=postcode, commune=commune)
        communes[name] = commune
    return communes


@pytest.fixture
def taxonomy():
    taxonomy_load()


@pytest.fixture
def families():
    from spaser.referentiel.models import Family

    services = Family.objects.create(code="SERVICES", label="Services", nature="services")
    supplies = Family.objects.create(code="FOURNITURES", label="Fournitures", nature="supplies")
    return {
        code: Family.objects.create(code=code, label=label, nature=parent.nature, parent=parent)
        for code, label, parent in [
            ("NETTOYAGE", "Nettoyage et propreté", services),
            ("DECHETS", "Gestion des déchets", services),
            ("ESPACES-VERTS", "Espaces verts", services),
            ("ALIMENTATION", "Alimentation", supplies),
            ("INFORMATIQUE", "Matériel informatique", supplies),
            ("MOBILIER", "Mobilier", supplies),
        ]
    }


PLATFORM_PERMISSIONS = ("add_actor", "change_actor", "add_source", "change_source")


@pytest.fixture
def platform_admin(member_of):
    """An administrator of the organisation who is also a platform administrator: an account of the
    administration technique (is_staff) holding the actors' permissions there, like the demo administrator."""
    from django.contrib.auth.models import Permission

    from spaser.accounts.enums import Role

    user = member_of(Role.ADMIN)
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="actors", codename__in=PLATFORM_PERMISSIONS)
    )
    return user
