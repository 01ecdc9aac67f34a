"""The directory of responsible suppliers (ESS, insertion, disability, circular economy, local food).

Three layers per actor (issue 8): what each source said (`ActorRecord.values`, one row per source), what
agents corrected (`Actor.corrections`), and what is displayed (the fields of `Actor`, recomputed by
`services.actor_recompute` from the two others). `Actor.history` keeps every displayed state with its author.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from spaser.actors.enums import (
    AreaKind,
    ImportFormat,
    ImportStatus,
    ImportStep,
    KindGroup,
    NatureAxis,
    RowOutcome,
    SourceKind,
)
from spaser.core.models import TimeStampedModel


class Kind(TimeStampedModel):
    """A kind of actor (SIAE – EI, ESAT, Scop, recyclerie…), loaded from `data/kinds.csv`."""

    code = models.CharField("code", max_length=30, unique=True)
    label = models.CharField("libellé", max_length=150)
    group = models.CharField("groupe", max_length=12, choices=KindGroup.choices)
    description = models.TextField("description", blank=True)
    legal_basis = models.CharField("fondement", max_length=255, blank=True)
    position = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "type d'acteur"
        verbose_name_plural = "types d'acteurs"
        ordering = ["position", "code"]
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^[a-z0-9_]+$"), name="kind_code_format")]

    def __str__(self):
        return self.label


class Nature(TimeStampedModel):
    """What an actor handles: a waste type, an object category, a food product family or a label."""

    axis = models.CharField("axe", max_length=10, choices=NatureAxis.choices)
    code = models.CharField("code", max_length=100)
    label = models.CharField("libellé", max_length=255)
    parent = models.ForeignKey(
        "self", verbose_name="catégorie parente", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    origin = models.CharField("origine de l'entrée", max_length=100, blank=True)
    position = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "nature traitée"
        verbose_name_plural = "natures traitées"
        ordering = ["axis", "position", "label"]
        constraints = [models.UniqueConstraint(fields=["axis", "code"], name="nature_code_unique_per_axis")]

    def __str__(self):
        return self.label


class Source(TimeStampedModel):
    """Where actor data comes from: each source carries its licence and the date of its data."""

    code = models.CharField("code", max_length=80, unique=True)
    name = models.CharField("nom", max_length=255)
    kind = models.CharField("type de source", max_length=12, choices=SourceKind.choices)
    publisher = models.CharField("producteur", max_length=255, blank=True)
    url = models.URLField("adresse d'origine", max_length=500, blank=True)
    licence = models.CharField("licence", max_length=255)
    data_date = models.DateField("date des données", null=True, blank=True)
    note = models.TextField("remarque", blank=True)
    # The official lists are published when first loaded; a partner's list waits for an agent. Publishing or
    # withdrawing a source publishes or withdraws its actors (`services.source_publish`).
    is_published = models.BooleanField(
        "publiée sur la carte publique",
        default=False,
        help_text="Les acteurs de cette source s'affichent sur la carte publique.",
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "source"
        verbose_name_plural = "sources"
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=~Q(licence=""), name="source_licence_required")]

    def __str__(self):
        return self.name

    @property
    def is_demo(self) -> bool:
        return self.kind == SourceKind.DEMO


class ActorQuerySet(models.QuerySet):
    def visible_to(self, user):
        # The directory is shared by every member: actors are public information (lists, SIRENE, partners).
        return self if user.is_authenticated else self.none()

    def published(self):
        """What the public map may show."""
        return self.filter(is_published=True)


class Actor(TimeStampedModel):
    """A responsible supplier as displayed (the third layer, recomputed from records and corrections)."""

    CORRECTABLE_FIELDS = (
        "name",
        "siret",
        "address",
        "postcode",
        "city",
        "commune_code",
        "latitude",
        "longitude",
        "website",
        "description",
        "kinds",
        "natures",
        "families",
        "area_kind",
        "area_radius_km",
        "area_codes",
    )

    name = models.CharField("nom", max_length=255)
    siret = models.CharField("SIRET", max_length=14, blank=True, db_index=True)
    siren = models.CharField("SIREN", max_length=9, blank=True, db_index=True)
    address = models.CharField("adresse", max_length=255, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune (telle que publiée)", max_length=150, blank=True)
    commune = models.ForeignKey(
        "geo.Commune", verbose_name="commune", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    latitude = models.FloatField("latitude (WGS84)", null=True, blank=True)
    longitude = models.FloatField("longitude (WGS84)", null=True, blank=True)
    location_precision = models.CharField(
        "précision de la position", max_length=10, blank=True, help_text="adresse, commune ou vide"
    )
    # A 0.1° grid cell (about 11 × 8 km): the indexed prefilter of radius searches (no PostGIS needed).
    cell = models.IntegerField("maille", null=True, blank=True)
    kinds = models.ManyToManyField(Kind, verbose_name="types", related_name="actors", blank=True)
    natures = models.ManyToManyField(Nature, verbose_name="natures traitées", related_name="actors", blank=True)
    families = models.ManyToManyField(
        "referentiel.Family", verbose_name="familles d'achat servies", related_name="actors", blank=True
    )
    # "|ei|ess|" — kinds repeated as text so that a radius + kind search stays a single-table scan of a few cells.
    kind_codes = models.CharField("codes des types", max_length=255, blank=True)
    search_text = models.TextField("texte de recherche (minuscules, sans accents)", blank=True)
    website = models.URLField("site internet", max_length=500, blank=True)
    description = models.TextField("présentation", blank=True)
    area_kind = models.CharField(
        "zone d'intervention", max_length=12, choices=AreaKind.choices, blank=True, default=AreaKind.UNKNOWN
    )
    area_radius_km = models.PositiveIntegerField("rayon d'intervention (km)", null=True, blank=True)
    area_codes = models.JSONField("codes des communes ou départements d'intervention", default=list, blank=True)
    is_published = models.BooleanField("publié sur la carte publique", default=False)
    is_demo = models.BooleanField("acteur de démonstration (fictif)", default=False)
    corrections = models.JSONField("corrections des agents", default=dict, blank=True)
    history = HistoricalRecords(excluded_fields=["search_text", "cell", "updated_at"])

    objects = ActorQuerySet.as_manager()

    class Meta:
        verbose_name = "acteur"
        verbose_name_plural = "acteurs"
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(siret="") | Q(siret__regex=r"^[0-9]{14}$"), name="actor_siret_format"),
            models.CheckConstraint(condition=Q(siren="") | Q(siren__regex=r"^[0-9]{9}$"), name="actor_siren_format"),
            models.CheckConstraint(
                condition=Q(siret="") | Q(siren=models.functions.Substr("siret", 1, 9)), name="actor_siren_of_siret"
            ),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__gte=-90, latitude__lte=90) & Q(longitude__gte=-180, longitude__lte=180)),
                name="actor_coordinates_pair_in_range",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="actor_name_required"),
            models.CheckConstraint(condition=Q(area_kind__in=AreaKind.values), name="actor_area_kind_valid"),
        ]
        # Covering index of the radius prefilter and of the map's clusters: cell, position and kinds are read
        # from the index alone; a single-column index on cell made SQLite fetch every row (5 s for France).
        indexes = [
            models.Index(fields=["cell", "latitude", "longitude", "kind_codes"], name="actor_cell_position_kind_idx")
        ]

    def __str__(self):
        return self.name

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class ActorArea(models.Model):
    """One key of an actor's intervention area, indexed so that a search around a place finds the actors that
    intervene there although their address is elsewhere. Keys: "c:<INSEE code>" (a commune), "d:<code>"
    (a département), "g:<1° cell>" (the cells a radius reaches, then checked exactly), "fr" (France entière).
    Rewritten by `services.actor_recompute` from the displayed area."""

    actor = models.ForeignKey(Actor, verbose_name="acteur", on_delete=models.CASCADE, related_name="area_keys")
    key = models.CharField("clé de zone", max_length=20)
    # The actor's kinds, repeated so that a kind filter narrows the candidates in the index, before any actor
    # row is read (measured: 1,500 candidate rows read per search around a place without it).
    kind_codes = models.CharField("codes des types", max_length=255, blank=True)

    class Meta:
        verbose_name = "clé de zone d'intervention"
        verbose_name_plural = "clés de zone d'intervention"
        constraints = [models.UniqueConstraint(fields=["key", "actor"], name="actorarea_unique_key")]
        indexes = [models.Index(fields=["key", "kind_codes", "actor"], name="actorarea_key_kind_idx")]

    def __str__(self):
        return self.key


class ActorCellCount(models.Model):
    """Actors per cell, per kind ("" = all kinds) and publication: the clusters of the map are read from these
    rows instead of grouping 500,000 actors. Two levels: 0.1° cells (regional boxes) and 1° cells (France:
    a few hundred rows instead of 13,000). Kept in step by `actor_recompute`
    and `actor_publish` (deltas), rebuilt from scratch by `services.cell_counts_rebuild`."""

    level = models.PositiveSmallIntegerField("niveau", default=0, help_text="0 : mailles de 0,1° ; 1 : mailles de 1°")
    cell = models.IntegerField("maille")
    kind = models.CharField("code du type (vide : tous)", max_length=30, blank=True)
    is_published = models.BooleanField("publiés")
    count = models.IntegerField("nombre d'acteurs", default=0)
    latitude_sum = models.FloatField("somme des latitudes", default=0)
    longitude_sum = models.FloatField("somme des longitudes", default=0)

    class Meta:
        verbose_name = "compte d'acteurs par maille"
        verbose_name_plural = "comptes d'acteurs par maille"
        constraints = [
            models.UniqueConstraint(fields=["level", "kind", "is_published", "cell"], name="actorcellcount_unique"),
            models.CheckConstraint(condition=Q(count__gte=0), name="actorcellcount_count_positive"),
        ]

    def __str__(self):
        return f"{self.cell}/{self.kind or '*'}: {self.count}"


class ActorRecord(TimeStampedModel):
    """The imported layer: what one source says about one actor, as normalised at import."""

    actor = models.ForeignKey(Actor, verbose_name="acteur", on_delete=models.CASCADE, related_name="records")
    source = models.ForeignKey(Source, verbose_name="source", on_delete=models.PROTECT, related_name="records")
    external_id = models.CharField("identifiant dans la source", max_length=100)
    values = models.JSONField("valeurs importées")
    raw = models.JSONField("ligne d'origine", default=dict)
    import_batch = models.ForeignKey(
        "actors.ActorImport",
        verbose_name="import",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="records",
    )

    class Meta:
        verbose_name = "donnée importée"
        verbose_name_plural = "données importées"
        ordering = ["actor", "source__data_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="actorrecord_unique_per_source"),
        ]

    def __str__(self):
        return f"{self.source.code}:{self.external_id}"


class ActorImport(TimeStampedModel):
    """A partner file uploaded by an agent: previewed row by row, imported only once confirmed."""

    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name="organisation", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="déposé par",
        on_delete=models.RESTRICT,  # RESTRICT: traçabilité
        related_name="+",
    )
    file_name = models.CharField("fichier", max_length=255)
    file_format = models.CharField("format", max_length=10, choices=ImportFormat.choices)
    status = models.CharField("état", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    source_name = models.CharField("nom de la source", max_length=255)
    source_publisher = models.CharField("producteur", max_length=255, blank=True)
    source_licence = models.CharField("licence", max_length=255)
    source_date = models.DateField("date des données")
    default_kinds = models.JSONField("types appliqués à toutes les lignes", default=list, blank=True)
    headers = models.JSONField("colonnes du fichier", default=list)
    mapping = models.JSONField("correspondance des colonnes", default=dict)
    rows = models.JSONField("lignes lues", default=list)
    source = models.ForeignKey(
        Source, verbose_name="source créée", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    running = models.CharField(
        "étape en cours dans le worker", max_length=10, choices=ImportStep.choices, blank=True, default=""
    )
    error = models.TextField("erreur de la dernière étape", blank=True)
    confirmed_at = models.DateTimeField("importé le", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="confirmé par",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "import d'acteurs"
        verbose_name_plural = "imports d'acteurs"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ImportStatus.CONFIRMED) | Q(confirmed_at__isnull=False),
                name="actorimport_confirmed_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"


class ActorImportRow(models.Model):
    """The verdict on one line of a partner file; rejected lines stay here with their reasons."""

    batch = models.ForeignKey(ActorImport, verbose_name="import", on_delete=models.CASCADE, related_name="lines")
    line = models.PositiveIntegerField("ligne du fichier")
    outcome = models.CharField("résultat", max_length=10, choices=RowOutcome.choices)
    reasons = models.JSONField("motifs", default=list, blank=True)
    values = models.JSONField("valeurs normalisées", default=dict, blank=True)
    raw = models.JSONField("ligne d'origine", default=dict)
    matched_actor = models.ForeignKey(
        Actor, verbose_name="acteur", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "ligne d'import d'acteurs"
        verbose_name_plural = "lignes d'import d'acteurs"
        ordering = ["batch", "line"]
        constraints = [models.UniqueConstraint(fields=["batch", "line"], name="actorimportrow_unique_line")]

    def __str__(self):
        return f"ligne {self.line} : {self.get_outcome_display()}"
