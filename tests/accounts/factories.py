import factory
from faker import Faker

from spaser.accounts.enums import OrganisationKind, Role
from spaser.accounts.models import Direction, Membership, Organisation, User
from spaser.core.validators import luhn_is_valid

PASSWORD = "mot-de-passe-de-test-2026"
_fake = Faker("fr_FR")


def valid_siret(seed: int) -> str:
    """A SIRET with a correct Luhn key, distinct for each seed."""
    base = f"{(seed * 7919) % 10**13:013d}"
    for last in "0123456789":
        candidate = base + last
        if luhn_is_valid(candidate):
            return candidate
    raise AssertionError("unreachable: one of ten check digits always fits")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.fr")
    first_name = factory.LazyFunction(_fake.first_name)
    last_name = factory.LazyFunction(_fake.last_name)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    class Params:
        region = factory.Trait(kind=OrganisationKind.REGION, region_code="24", departement_code="45")

    name = factory.Sequence(lambda n: f"Collectivité {n}")
    siret = factory.Sequence(lambda n: valid_siret(n + 1))
    kind = OrganisationKind.DEPARTEMENT
    region_code = "24"
    departement_code = "37"


class DirectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Direction

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"DIR{n}")
    name = factory.Sequence(lambda n: f"Direction {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.READER
