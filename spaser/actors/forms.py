from django import forms
from django.core.exceptions import ValidationError

from spaser.actors import geometry
from spaser.actors.enums import AreaKind, KindGroup, NatureAxis
from spaser.actors.models import Actor, Kind, Nature
from spaser.actors.selectors import ActorFilters, Centre, place_find
from spaser.actors.services import SCALAR_FIELDS
from spaser.geo.models import Commune, Departement

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
    """Every displayed field an agent may correct; only the fields changed from the displayed value become
    corrections (kept apart from the imported values, with their author and reason in the history)."""

    FIELDS = SCALAR_FIELDS  # the list fields (kinds, natures, families, area codes) are handled apart

    name = forms.CharField(label="Nom", max_length=255)
    siret = forms.CharField(label="SIRET", max_length=20, required=False)
    address = forms.CharField(label="Adresse", max_length=255, required=False)
    postcode = forms.CharField(label="Code postal", max_length=5, required=False)
    city = forms.CharField(label="Commune (telle que publiée)", max_length=150, required=False)
    commune_code = forms.CharField(
        label="Code INSEE de la commune", max_length=5, required=False, help_text="Par exemple : 37261 pour Tours."
    )
    latitude = forms.FloatField(label="Latitude (WGS84)", required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label="Longitude (WGS84)", required=False, min_value=-180, max_value=180)
    website = forms.URLField(label="Site internet", required=False, max_length=500, assume_scheme="https")
    description = forms.CharField(label="Présentation", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    kinds = forms.ModelMultipleChoiceField(
        label="Types", queryset=Kind.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    natures = forms.MultipleChoiceField(
        label="Déchets, objets et produits traités",
        required=False,
        help_text="Plusieurs choix possibles (Ctrl ou Maj + clic).",
    )
    labels = forms.MultipleChoiceField(label="Labels", required=False, widget=forms.CheckboxSelectMultiple)
    families = forms.ModelMultipleChoiceField(
        label="Familles d'achat servies",
        queryset=None,
        required=False,
        help_text="Plusieurs choix possibles (Ctrl ou Maj + clic).",
    )
    area_kind = forms.ChoiceField(label="Zone d'intervention", choices=AreaKind.choices, required=False)
    area_radius_km = forms.IntegerField(
        label="Rayon d'intervention (km)",
        required=False,
        min_value=1,
        max_value=1000,
        help_text="Pour une zone en rayon.",
    )
    area_codes = forms.CharField(
        label="Communes ou départements d'intervention",
        required=False,
        help_text="Codes INSEE des communes ou codes des départements, séparés par des virgules (ex. : 37, 41).",
    )
    reason = forms.CharField(label="Motif de la correction", max_length=255)

    def __init__(self, *args, actor: Actor, **kwargs):
        from spaser.referentiel.models import Family

        self.actor = actor
        natures = list(actor.natures.all())
        initial = {name: getattr(actor, name) for name in self.FIELDS if name != "commune_code"}
        initial["commune_code"] = actor.commune.code if actor.commune_id else ""
        initial["kinds"] = list(actor.kinds.all())
        initial["natures"] = [f"{n.axis}:{n.code}" for n in natures if n.axis != NatureAxis.LABEL]
        initial["labels"] = [f"{n.axis}:{n.code}" for n in natures if n.axis == NatureAxis.LABEL]
        initial["families"] = list(actor.families.all())
        initial["area_codes"] = ", ".join(actor.area_codes)
        super().__init__(*args, initial=initial, **kwargs)
        grouped: dict[str, list] = {}
        labels = []
        for nature in Nature.objects.order_by("axis", "position", "label"):
            choice = (f"{nature.axis}:{nature.code}", nature.label)
            if nature.axis == NatureAxis.LABEL:
                labels.append(choice)
            else:
                grouped.setdefault(NatureAxis(nature.axis).label, []).append(choice)
        self.fields["natures"].choices = list(grouped.items())
        self.fields["natures"].widget.attrs.update(size=10, **{"class": "form-select"})
        self.fields["labels"].choices = labels
        self.fields["families"].queryset = Family.objects.exclude(parent=None).order_by("label")
        self.fields["families"].widget.attrs.update(size=8, **{"class": "form-select"})
        self.fields["area_kind"].widget.attrs["class"] = "form-select"

    def clean_siret(self):
        from spaser.core.validators import normalize_siret, siret_error

        siret = normalize_siret(self.cleaned_data.get("siret") or "")
        if siret and (error := siret_error(siret)):
            raise ValidationError(error)
        return siret

    def clean_commune_code(self):
        code = self.cleaned_data["commune_code"].strip().upper()
        if code and not Commune.objects.filter(code=code).exists():
            raise ValidationError(f"Aucune commune n'a le code INSEE « {code} ».")
        return code

    def clean(self):
        data = super().clean()
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (latitude is None) != (longitude is None):
            raise ValidationError("Indiquez la latitude et la longitude, ou aucune des deux.")
        if latitude is not None and not geometry.in_france(latitude, longitude):
            raise ValidationError("Ces coordonnées sont hors de France.")
        area_kind = data.get("area_kind") or ""
        codes = [code.strip().upper() for code in (data.get("area_codes") or "").replace(";", ",").split(",")]
        codes = sorted({code.zfill(2) if len(code) == 1 else code for code in codes if code})
        if area_kind in (AreaKind.COMMUNES, AreaKind.DEPARTEMENTS):
            model = Commune if area_kind == AreaKind.COMMUNES else Departement
            known = set(model.objects.filter(code__in=codes).values_list("code", flat=True))
            unknown = [code for code in codes if code not in known]
            what = "commune" if area_kind == AreaKind.COMMUNES else "département"
            if unknown:
                self.add_error(
                    "area_codes", f"Code{'s' if len(unknown) > 1 else ''} de {what} inconnu : {', '.join(unknown)}."
                )
            elif not codes:
                self.add_error("area_codes", f"Indiquez au moins un code de {what}.")
        elif codes:
            self.add_error("area_codes", "Des codes ne s'indiquent que pour une zone de communes ou de départements.")
        if area_kind == AreaKind.RADIUS and not data.get("area_radius_km"):
            self.add_error("area_radius_km", "Indiquez le rayon d'une zone en rayon.")
        data["area_codes"] = codes
        return data

    def changes(self) -> dict:
        """Only the fields whose value differs from the displayed one become corrections."""
        changes = {}
        for name in self.FIELDS:
            if name in self.changed_data:
                changes[name] = self.cleaned_data[name]
        if "area_kind" in changes:
            changes["area_kind"] = changes["area_kind"] or ""
        if self.cleaned_data["area_codes"] != sorted(self.actor.area_codes):
            changes["area_codes"] = self.cleaned_data["area_codes"]
        if "kinds" in self.changed_data:
            changes["kinds"] = sorted(kind.code for kind in self.cleaned_data["kinds"])
        if "natures" in self.changed_data or "labels" in self.changed_data:
            changes["natures"] = sorted(set(self.cleaned_data["natures"]) | set(self.cleaned_data["labels"]))
        if "families" in self.changed_data:
            changes["families"] = sorted(family.code for family in self.cleaned_data["families"])
        return changes
