from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from spaser.accounts.enums import OrganisationKind, Role
from spaser.core.models import TimeStampedModel
from spaser.core.validators import validate_siret


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("adresse électronique", unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("accès à l'administration technique", default=False)
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="user_email_lowercase"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(memberships__user=user).distinct()

    def administered_by(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__role=Role.ADMIN).distinct()


class Organisation(TimeStampedModel):
    """A public buyer (acheteur public), identified by its SIRET."""

    name = models.CharField("nom", max_length=255)
    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[validate_siret])
    kind = models.CharField("catégorie", max_length=20, choices=OrganisationKind.choices)
    region_code = models.CharField("code région (INSEE)", max_length=3, blank=True)
    departement_code = models.CharField("code département (INSEE)", max_length=3, blank=True)
    history = HistoricalRecords()

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = "organisation"
        verbose_name_plural = "organisations"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(siret__regex=r"^[0-9]{14}$"), name="organisation_siret_format"),
            models.CheckConstraint(
                condition=Q(region_code="") | Q(region_code__regex=r"^[0-9]{2,3}$"),
                name="organisation_region_code_format",
            ),
            models.CheckConstraint(
                condition=Q(departement_code="") | Q(departement_code__regex=r"^([0-9]{2,3}|2A|2B)$"),
                name="organisation_departement_code_format",
            ),
        ]

    def __str__(self):
        return self.name


class Direction(TimeStampedModel):
    """A department of an organisation (e.g. the procurement department, DASJ)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="directions"
    )
    code = models.CharField("code", max_length=20)
    name = models.CharField("nom", max_length=255)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "direction"
        verbose_name_plural = "directions"
        ordering = ["organisation", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="direction_code_unique_per_organisation"),
        ]

    def __str__(self):
        return f"{self.code} – {self.name}"


class MembershipQuerySet(models.QuerySet):
    def of_organisation(self, organisation):
        return self.filter(organisation=organisation)


class Membership(TimeStampedModel):
    """A role held by a user in an organisation, optionally for one of its directions."""

    user = models.ForeignKey(User, verbose_name="utilisateur", on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="memberships"
    )
    direction = models.ForeignKey(
        Direction,
        verbose_name="direction",
        on_delete=models.PROTECT,
        related_name="memberships",
        null=True,
        blank=True,
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "rôle dans une organisation"
        verbose_name_plural = "rôles dans les organisations"
        ordering = ["organisation", "user", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role", "direction"],
                name="membership_unique_with_direction",
            ),
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=Q(direction__isnull=True),
                name="membership_unique_without_direction",
            ),
        ]

    def __str__(self):
        suffix = f" ({self.direction.code})" if self.direction_id else ""
        return f"{self.user} – {self.get_role_display()}{suffix} – {self.organisation}"
