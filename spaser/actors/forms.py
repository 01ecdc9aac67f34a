from django import forms
from django.core.exceptions import ValidationError

from spaser.actors import geometry
from spaser.actors.enums import KindGroup, NatureAxis
from spaser.actors.models import Actor, Kind, Nature
from spaser.actors.selectors import ActorFilters, Centre, place_find
from spaser.geo.models import Departement

RADIUS_CHOICES = [("", "Commune seule"), *[(str(km), f"{km} km") for km in (5, 10, 20, 30, 50, 100, 200)]]


class ActorSearchForm(forms.Form):
    """The search filters, all in the URL (GET) so that a search can be shared as a link."""

    q = forms.CharField(label="Nom, SIRET ou mot-clé", required=False, max_length=200)
    groupe = forms.MultipleChoiceField(
        label="Famille d'acteurs", required=False, choices=KindGroup.choices, widget=forms.CheckboxSelectMultiple
    )
    type = forms.MultipleChoiceField(label="Type d'acteur", required=False)
    nature = forms.ChoiceField(label="Déchets, objets ou produits traités", required=False)
    famille = forms.ChoiceField(label="Famille d'achat", required=False)
    lieu = forms.CharField(
        label="Commune, code INSEE ou code postal",
        required=False,
        max_length=150,
        help_text="Par exemple : Tours, 37261 ou 37000.",
    )
    rayon = forms.TypedChoiceField(
        label="Rayon autour du lieu", required=False, choices=RADIUS_CHOICES, coerce=int, empty_value=None
    )
    # A code, not a 100-option list: rendering long selects dominated the page time (benchmarks/actors_search.py).
    departement = forms.CharField(
        label="Département (code)", required=False, max_length=3, help_text="Par exemple : 37."
    )
    lat = forms.FloatField(label="Latitude du point", required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label="Longitude du point", required=False, min_value=-180, max_value=180)

    def __init__(self, *args, public=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.public = public
        self.fields["type"].choices = [(kind.code, kind.label) for kind in Kind.objects.order_by("position")]
        self.fields["type"].widget.attrs["size"] = 6
        natures = Nature.objects.filter(parent=None).order_by("axis", "position", "label")
        grouped = {}
        for nature in natures:
            grouped.setdefault(NatureAxis(nature.axis).label, []).append(
                (f"{nature.axis}:{nature.code}", nature.label)
            )
        self.fields["nature"].choices = [("", "Toutes"), *grouped.items()]
        from spaser.referentiel.models import Family

        self.fields["famille"].choices = [("", "Toutes")] + [
            (family.code, family.label) for family in Family.objects.exclude(parent=None).order_by("label")
        ]
        for _name, field in self.fields.items():
            if not isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs.setdefault("class", "form-select" if hasattr(field, "choices") else "form-control")

    def clean_departement(self):
        code = self.cleaned_data["departement"].strip().upper()
        if code and len(code) == 1:
            code = code.zfill(2)
        if code and not Departement.objects.filter(code=code).exists():
            raise ValidationError(f"Aucun département n'a le code « {code} ».")
        return code

    def clean(self):
        data = super().clean()
        data["centre"] = None
        if data.get("lat") is not None and data.get("lon") is not None:
            if not geometry.in_france(data["lat"], data["lon"]):
                raise ValidationError("Ce point est hors de France.")
            data["centre"] = Centre(f"point {data['lat']:.4f}, {data['lon']:.4f}", data["lat"], data["lon"])
        elif data.get("lieu"):
            centre, error = place_find(data["lieu"], departement=data.get("departement", ""))
            if error:
                self.add_error("lieu", error)
            data["centre"] = centre
        if data.get("rayon") and data["centre"] is None and not self.has_error("lieu"):
            self.add_error("lieu", "Indiquez un lieu pour chercher dans un rayon.")
        return data

    def filters(self) -> ActorFilters:
        data = self.cleaned_data if self.is_valid() else {}
        centre = data.get("centre")
        radius = data.get("rayon")
        commune_only = None
        if centre is not None and radius is None and centre.commune is not None and not data.get("lat"):
            commune_only = centre.commune
        return ActorFilters(
            q=data.get("q", ""),
            kinds=data.get("type", []),
            groups=data.get("groupe", []),
            natures=[data["nature"]] if data.get("nature") else [],
            family=data.get("famille", ""),
            departement=data.get("departement", ""),
            centre=centre,
            radius_km=float(radius) if radius else None,
            commune_only=commune_only,
            published_only=self.public,
        )


class ActorCorrectionForm(forms.Form):
    """What an agent may correct; only the fields changed from the displayed value become corrections."""

    FIELDS = ["name", "siret", "address", "postcode", "city", "latitude", "longitude", "website", "description"]

    name = forms.CharField(label="Nom", max_length=255)
    siret = forms.CharField(label="SIRET", max_length=20, required=False)
    address = forms.CharField(label="Adresse", max_length=255, required=False)
    postcode = forms.CharField(label="Code postal", max_length=5, required=False)
    city = forms.CharField(label="Commune", max_length=150, required=False)
    latitude = forms.FloatField(label="Latitude (WGS84)", required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label="Longitude (WGS84)", required=False, min_value=-180, max_value=180)
    website = forms.URLField(label="Site internet", required=False, max_length=500, assume_scheme="https")
    description = forms.CharField(label="Présentation", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    kinds = forms.ModelMultipleChoiceField(
        label="Types", queryset=Kind.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(label="Motif de la correction", max_length=255)

    def __init__(self, *args, actor: Actor, **kwargs):
        initial = {name: getattr(actor, name) for name in self.FIELDS}
        initial["kinds"] = list(actor.kinds.all())
        super().__init__(*args, initial=initial, **kwargs)

    def clean_siret(self):
        from spaser.core.validators import normalize_siret, siret_error

        siret = normalize_siret(self.cleaned_data.get("siret") or "")
        if siret and (error := siret_error(siret)):
            raise ValidationError(error)
        return siret

    def clean_departement(self):
        code = self.cleaned_data["departement"].strip().upper()
        if code and len(code) == 1:
            code = code.zfill(2)
        if code and not Departement.objects.filter(code=code).exists():
            raise ValidationError(f"Aucun département n'a le code « {code} ».")
        return code

    def clean(self):
        data = super().clean()
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (latitude is None) != (longitude is None):
            raise ValidationError("Indiquez la latitude et la longitude, ou aucune des deux.")
        if latitude is not None and not geometry.in_france(latitude, longitude):
            raise ValidationError("Ces coordonnées sont hors de France.")
        return data

    def changes(self) -> dict:
        """Only the fields whose value differs from the displayed one become corrections."""
        changes = {}
        for name in self.FIELDS:
            if name in self.changed_data:
                changes[name] = self.cleaned_data[name]
        if "kinds" in self.changed_data:
            changes["kinds"] = sorted(kind.code for kind in self.cleaned_data["kinds"])
        return changes
