import json

from django.db import models
from django.db.models import Q

from spaser.contracts import enums
from spaser.core.models import TimeStampedModel


class ContractQuerySet(models.QuerySet):
    def visible_to(self, user):
        # DECP are open data: every signed-in member of an organisation may read every contract.
        return self if user.is_authenticated else self.none()

    def of_buyer(self, organisation):
        return self.filter(buyer=organisation)

    def with_social_consideration(self):
        return self.filter(Q(social_clause=True) | Q(social_criterion=True) | Q(social_reserved=True))

    def with_environmental_consideration(self):
        return self.filter(Q(environmental_clause=True) | Q(environmental_criterion=True))


class Contract(TimeStampedModel):
    """A contract (marché or concession) as published in the DECP, merged across publications.

    One record per (buyer SIRET, published id). ``raw`` keeps the text of the latest publication as received,
    so the import loses nothing the normaliser did not understand.
    """

    kind = models.CharField("type de contrat", max_length=12, choices=enums.ContractKind.choices)
    # Indexes cost import time: an FK gets one only when no composite index starts with it.
    buyer = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="acheteur",
        on_delete=models.PROTECT,
        related_name="contracts",
        db_index=False,  # covered by contract_buyer_date_idx
    )
    buyer_siret = models.CharField("SIRET de l'acheteur", max_length=14)
    external_id = models.CharField("identifiant publié", max_length=64)
    nature = models.CharField("nature", max_length=30, choices=enums.Nature.choices)
    object = models.TextField("objet", blank=True)
    cpv = models.CharField("code CPV principal", max_length=8, blank=True)
    cpv_division = models.CharField("division CPV", max_length=2, blank=True, db_index=True)
    family = models.ForeignKey(
        "referentiel.Family",
        verbose_name="famille d'achat",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts",
    )
    procedure = models.CharField("procédure", max_length=30, choices=enums.Procedure.choices, blank=True)
    techniques = models.JSONField("techniques d'achat", default=list, blank=True)
    execution_modalities = models.JSONField("modalités d'exécution", default=list, blank=True)
    framework_id = models.CharField("identifiant de l'accord-cadre", max_length=64, blank=True)
    is_innovative = models.BooleanField("marché innovant", null=True, blank=True)
    ccag = models.CharField("CCAG", max_length=20, choices=enums.Ccag.choices, blank=True)
    offers_received = models.PositiveIntegerField("offres reçues", null=True, blank=True)
    advance = models.BooleanField("avance attribuée", null=True, blank=True)
    advance_rate = models.DecimalField("taux d'avance", max_digits=5, decimal_places=4, null=True, blank=True)
    grouping = models.CharField("groupement d'opérateurs", max_length=20, choices=enums.Grouping.choices, blank=True)
    subcontracting_declared = models.BooleanField("sous-traitance déclarée", null=True, blank=True)
    subcontracting_acts = models.JSONField("actes de sous-traitance", default=list, blank=True)
    place_type = models.CharField(
        "type de lieu d'exécution", max_length=15, choices=enums.PlaceType.choices, blank=True
    )
    place_code = models.CharField("code du lieu d'exécution", max_length=10, blank=True)
    place_name = models.CharField("nom du lieu d'exécution", max_length=255, blank=True)
    place_commune = models.ForeignKey(
        "geo.Commune",
        verbose_name="commune d'exécution",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # filters use the département or the région
    )
    place_departement = models.ForeignKey(
        "geo.Departement",
        verbose_name="département d'exécution",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts",
    )
    place_region = models.ForeignKey(
        "geo.Region",
        verbose_name="région d'exécution",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # 18 values: an index would not be selective
    )
    duration_months = models.PositiveIntegerField("durée initiale (mois)", null=True, blank=True)
    current_duration_months = models.PositiveIntegerField("durée actuelle (mois)", null=True, blank=True)
    notified_on = models.DateField("date de notification / signature", null=True, blank=True, db_index=True)
    published_on = models.DateField("date de publication des données", null=True, blank=True)
    last_published_on = models.DateField("dernière publication (modifications comprises)", null=True, blank=True)
    start_on = models.DateField("début d'exécution", null=True, blank=True)
    initial_amount = models.DecimalField(
        "montant initial (€ HT)", max_digits=17, decimal_places=2, null=True, blank=True
    )
    current_amount = models.DecimalField(
        "montant actuel (€ HT)", max_digits=17, decimal_places=2, null=True, blank=True
    )
    public_subsidy = models.DecimalField(
        "subvention publique (€ HT)", max_digits=17, decimal_places=2, null=True, blank=True
    )
    price_form = models.CharField("forme du prix", max_length=20, choices=enums.PriceForm.choices, blank=True)
    price_types = models.JSONField("types de prix", default=list, blank=True)
    eu_origin_share = models.DecimalField("part d'origine UE", max_digits=5, decimal_places=4, null=True, blank=True)
    fr_origin_share = models.DecimalField(
        "part d'origine France", max_digits=5, decimal_places=4, null=True, blank=True
    )
    # Considerations are multi-valued (a contract may have a clause AND a criterion): one flag per value.
    considerations_published = models.BooleanField("considérations publiées", default=False)
    social_clause = models.BooleanField("clause sociale", default=False)
    social_criterion = models.BooleanField("critère social", default=False)
    social_reserved = models.BooleanField("marché réservé", default=False)
    social_none = models.BooleanField("pas de considération sociale", default=False)
    environmental_clause = models.BooleanField("clause environnementale", default=False)
    environmental_criterion = models.BooleanField("critère environnemental", default=False)
    environmental_none = models.BooleanField("pas de considération environnementale", default=False)
    modification_count = models.PositiveSmallIntegerField("nombre de modifications", default=0)
    anomalies = models.JSONField("anomalies relevées à l'import", default=list, blank=True)
    format_version = models.CharField("format DECP", max_length=4)
    sources = models.JSONField("sources de publication", default=list)
    source_file = models.CharField("fichier source", max_length=255)
    import_run = models.ForeignKey(
        "imports.ImportRun",
        verbose_name="dernier import",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts",
        db_index=False,  # only read through the contract; deleting a journal entry is rare
    )
    content_hash = models.CharField("empreinte du contenu", max_length=32)
    # What tells two contracts apart when one (buyer SIRET, id) is published twice: object, initial holders and
    # notification date, hashed (``duplicates.identity_fingerprint``). Empty: not computed (older rows).
    identity = models.CharField("empreinte d'identité", max_length=16, blank=True)
    # The published fields in which another publication of this (buyer SIRET, id) differs (``objet,titulaires``),
    # kept across updates; empty when no divergent publication is known (``ContractPublication``).
    divergent_fields = models.CharField("champs divergents d'une autre publication", max_length=64, blank=True)
    # The text of the latest publication exactly as published (JSON files; the record converted to JSON for
    # XML files), not a parsed copy: key order, number spelling and every unknown field stay as they were,
    # and neither database re-parses 2 KB of JSON per contract on import (docs/adr/0002).
    raw = models.TextField("publication d'origine")

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = "contrat"
        verbose_name_plural = "contrats"
        ordering = ["-notified_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["buyer_siret", "external_id"], name="contract_unique_per_buyer"),
            models.CheckConstraint(condition=Q(buyer_siret__regex=r"^[0-9]{14}$"), name="contract_buyer_siret_format"),
            models.CheckConstraint(condition=~Q(external_id=""), name="contract_external_id_not_empty"),
            models.CheckConstraint(
                condition=Q(initial_amount__isnull=True) | Q(initial_amount__gte=0), name="contract_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(advance_rate__isnull=True) | Q(advance_rate__gte=0, advance_rate__lte=1),
                name="contract_advance_rate_range",
            ),
            models.CheckConstraint(condition=Q(kind__in=enums.ContractKind.values), name="contract_kind_valid"),
        ]
        indexes = [models.Index(fields=["buyer", "-notified_on"], name="contract_buyer_date_idx")]

    def __str__(self):
        return f"{self.external_id} – {self.object[:80]}"

    @property
    def social_considerations(self) -> list[str]:
        labels = enums.SocialConsideration
        flags = [
            (self.social_clause, labels.CLAUSE.label),
            (self.social_criterion, labels.CRITERION.label),
            (self.social_reserved, labels.RESERVED.label),
            (self.social_none, labels.NONE.label),
        ]
        return [label for flag, label in flags if flag]

    @property
    def environmental_considerations(self) -> list[str]:
        labels = enums.EnvironmentalConsideration
        flags = [
            (self.environmental_clause, labels.CLAUSE.label),
            (self.environmental_criterion, labels.CRITERION.label),
            (self.environmental_none, labels.NONE.label),
        ]
        return [label for flag, label in flags if flag]

    def technique_labels(self) -> list[str]:
        return [enums.Technique(value).label for value in self.techniques if value in enums.Technique.values]

    def execution_modality_labels(self) -> list[str]:
        return [
            enums.ExecutionModality(value).label
            for value in self.execution_modalities
            if value in enums.ExecutionModality.values
        ]

    def price_type_labels(self) -> list[str]:
        return [enums.PriceType(value).label for value in self.price_types if value in enums.PriceType.values]

    @property
    def raw_data(self) -> dict:
        """The latest publication, decoded."""
        return json.loads(self.raw)


class ContractHolder(models.Model):
    """A holder (titulaire / concessionnaire), initial and/or current after modifications."""

    contract = models.ForeignKey(
        Contract,
        verbose_name="contrat",
        on_delete=models.CASCADE,
        related_name="holders",
        db_index=False,  # covered by contractholder_rank_unique (contract, rank)
    )
    rank = models.PositiveSmallIntegerField("rang")
    identifier_type = models.CharField("type d'identifiant", max_length=10, choices=enums.IdentifierType.choices)
    identifier = models.CharField("identifiant", max_length=32)
    name = models.CharField("dénomination publiée", max_length=255, blank=True)
    supplier = models.ForeignKey(
        "suppliers.Supplier", verbose_name="fournisseur", on_delete=models.PROTECT, related_name="holdings"
    )
    establishment = models.ForeignKey(
        "suppliers.Establishment",
        verbose_name="établissement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="holdings",
    )
    is_initial = models.BooleanField("titulaire initial", default=True)
    is_current = models.BooleanField("titulaire actuel", default=True)

    class Meta:
        verbose_name = "titulaire"
        verbose_name_plural = "titulaires"
        ordering = ["contract", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "rank"], name="contractholder_rank_unique"),
            models.CheckConstraint(condition=Q(is_initial=True) | Q(is_current=True), name="contractholder_role"),
        ]

    def __str__(self):
        return self.name or self.identifier


class ContractModification(models.Model):
    contract = models.ForeignKey(
        Contract,
        verbose_name="contrat",
        on_delete=models.CASCADE,
        related_name="modifications",
        db_index=False,  # covered by contractmodification_rank_unique (contract, rank)
    )
    rank = models.PositiveSmallIntegerField("ordre d'application")
    number = models.PositiveIntegerField("numéro publié", null=True, blank=True)
    object = models.TextField("objet de la modification", blank=True)
    notified_on = models.DateField("notifiée / signée le", null=True, blank=True)
    published_on = models.DateField("publiée le", null=True, blank=True)
    duration_months = models.PositiveIntegerField("nouvelle durée (mois)", null=True, blank=True)
    amount = models.DecimalField("nouveau montant (€ HT)", max_digits=17, decimal_places=2, null=True, blank=True)
    holders = models.JSONField("nouveaux titulaires", null=True, blank=True)

    class Meta:
        verbose_name = "modification"
        verbose_name_plural = "modifications"
        ordering = ["contract", "rank"]
        constraints = [models.UniqueConstraint(fields=["contract", "rank"], name="contractmodification_rank_unique")]

    def __str__(self):
        return f"Modification {self.rank}"


class ContractPublication(TimeStampedModel):
    """Another publication of a contract's (buyer SIRET, id) that describes a different contract (object, initial
    holders or notification date differ: a divergent duplicate). The contract shows the newest publication;
    this one is kept as published, with the published fields in which it differs from the one shown."""

    contract = models.ForeignKey(
        Contract,
        verbose_name="contrat",
        on_delete=models.CASCADE,
        related_name="other_publications",
        db_index=False,  # covered by contractpublication_unique (contract, content_hash)
    )
    content_hash = models.CharField("empreinte du contenu", max_length=32)
    source = models.CharField("source de publication", max_length=255, blank=True)
    source_file = models.CharField("fichier source", max_length=255, blank=True)
    published_on = models.DateField("dernière publication (modifications comprises)", null=True, blank=True)
    object = models.TextField("objet", blank=True)
    notified_on = models.DateField("date de notification / signature", null=True, blank=True)
    holders = models.JSONField("titulaires initiaux", default=list, blank=True)  # [[type, identifier, name], ...]
    differences = models.JSONField("champs publiés qui diffèrent", default=list, blank=True)
    raw = models.TextField("publication d'origine")

    class Meta:
        verbose_name = "autre publication"
        verbose_name_plural = "autres publications"
        ordering = ["contract", "-published_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "content_hash"], name="contractpublication_unique"),
        ]

    def __str__(self):
        return f"{self.contract_id} – {self.object[:80]}"

    @property
    def raw_data(self) -> dict:
        return json.loads(self.raw)

    @property
    def difference_labels(self) -> str:
        from spaser.contracts.anomalies import field_label

        return field_label(",".join(self.differences))

    @property
    def holder_identifiers(self) -> str:
        return ", ".join(f"{holder[0]} {holder[1]}" for holder in self.holders)
