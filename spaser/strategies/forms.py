import datetime
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse

from spaser.accounts.models import Direction
from spaser.geo.models import Commune, PostalCode
from spaser.referentiel import cpv
from spaser.referentiel.models import Family
from spaser.referentiel.selectors import family_choices
from spaser.strategies import compliance
from spaser.strategies.enums import (
    ClauseDimension,
    ClauseKind,
    CriterionKind,
    EnvironmentalDomain,
    ProjectState,
    ReconciliationKind,
    SocialDevice,
)
from spaser.strategies.models import ProgrammeEntry, PurchaseProject, StrategySettings
from spaser.strategies.numbers import NumberError, parse_french_number

MIN_YEAR, MAX_YEAR = 2000, 2100


class FrenchDecimalField(forms.Field):
    """A number typed the French way ("1 234,56 €", "12,5 %", "12k€"), with bounds and a clear message."""

    widget = forms.TextInput

    def __init__(self, *, min_value=None, max_value=None, strictly_positive=False, decimal_places=2, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        self.strictly_positive, self.decimal_places = strictly_positive, decimal_places
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off"}

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            text = f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
            return text.replace(".", ",")
        return value

    def to_python(self, value):
        try:
            number = parse_french_number(value)
        except NumberError as error:
            raise ValidationError(str(error), code="invalid") from error
        if number is None:
            return None
        if self.strictly_positive and number <= 0:
            raise ValidationError("La valeur doit être strictement positive.", code="min_value")
        if self.min_value is not None and number < self.min_value:
            raise ValidationError(f"La valeur doit être au moins {self.min_value}.", code="min_value")
        if self.max_value is not None and number > self.max_value:
            raise ValidationError(f"La valeur ne peut dépasser {self.max_value}.", code="max_value")
        if -number.as_tuple().exponent > self.decimal_places:
            raise ValidationError(
                f"Pas plus de {self.decimal_places} chiffres après la virgule.", code="max_decimal_places"
            )
        return number


INSEE_CODE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
NAME_AND_PLACE = re.compile(r"^(?P<name>.+?)\s*\((?P<place>[^()]+)\)$")
COMMUNE_HELP = "Code INSEE (ex. 37261) ou « nom (département) » (ex. « Tours (37) »)."


class CommuneField(forms.Field):
    """A commune typed as its INSEE code or "name (department)", resolved on the server.

    35,000 communes make a select unusable: the field is a text input (a datalist suggests names while
    typing) and every failure says what was not understood and what to type instead."""

    widget = forms.TextInput

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "autocomplete": "off", "spellcheck": "false"}

    def prepare_value(self, value):
        if isinstance(value, int):
            value = Commune.objects.filter(pk=value).first()
        if isinstance(value, Commune):
            return str(value)
        return value

    def to_python(self, value):
        text = " ".join(str(value or "").split())
        if not text:
            return None
        if INSEE_CODE.match(text.upper()):
            return self._by_code(text.upper())
        match = NAME_AND_PLACE.match(text)
        if match:
            name, place = match["name"].strip(), match["place"].strip()
            if INSEE_CODE.match(place.upper()):
                commune = self._by_code(place.upper())
                if commune.name.casefold() != name.casefold():
                    raise ValidationError(
                        f"Le code INSEE {commune.code} est celui de {commune.name}, pas de « {name} ».",
                        code="mismatch",
                    )
                return commune
            communes = Commune.objects.filter(name__iexact=name).filter(
                Q(departement__code__iexact=place) | Q(departement__name__iexact=place)
            )
            return self._single(communes, text, hint=f"dans le département « {place} »")
        return self._single(Commune.objects.filter(name__iexact=text), text, hint="")

    def _by_code(self, code):
        commune = Commune.objects.filter(code=code).select_related("departement").first()
        if commune is not None:
            return commune
        served = list(PostalCode.objects.filter(code=code).select_related("commune").order_by("commune__name")[:5])
        if served:
            names = ", ".join(f"{row.commune.name} ({row.commune.code})" for row in served)
            raise ValidationError(
                f"« {code} » est un code postal, pas un code INSEE. Communes desservies : {names}.", code="postcode"
            )
        raise ValidationError(f"Aucune commune n'a le code INSEE « {code} ». {COMMUNE_HELP}", code="unknown")

    def _single(self, communes, text, *, hint):
        found = list(communes.select_related("departement").order_by("departement__code")[:6])
        if len(found) == 1:
            return found[0]
        if not found:
            where = f" {hint}" if hint else ""
            raise ValidationError(f"Commune inconnue : « {text} »{where}. {COMMUNE_HELP}", code="unknown")
        choices = ", ".join(f"{commune.name} ({commune.departement.code})" for commune in found[:5])
        raise ValidationError(
            f"Plusieurs communes s'appellent « {text} » : {choices}. Précisez le département, ex. "
            f"« {found[0].name} ({found[0].departement.code}) », ou le code INSEE.",
            code="ambiguous",
        )


def commune_suggestions(text: str, *, limit: int = 15) -> list[Commune]:
    """Communes whose name starts with the typed text (or whose INSEE code does), for the datalist."""
    text = " ".join((text or "").split())
    if len(text) < 2:
        return []
    queryset = Commune.objects.select_related("departement")
    if text[:1].isdigit():
        queryset = queryset.filter(code__startswith=text.upper())
    else:
        queryset = queryset.filter(name__istartswith=text)
    return list(queryset.order_by("name", "code")[:limit])


class CheckboxList(forms.CheckboxSelectMultiple):
    """One Bootstrap "form-check" per option, each label tied to its box."""

    template_name = "strategies/widgets/checkbox_list.html"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def check_year(value, label):
    if value and not (MIN_YEAR <= value.year <= MAX_YEAR):
        raise ValidationError(f"{label} : l'année {value.year} n'est pas plausible.", code="year")


def parse_cpv_codes(text: str) -> list[str]:
    """ "45210000-2, 45262700" → ["45210000", "45262700"]; an unknown code is refused with its text."""
    codes = []
    for raw in [part.strip() for part in (text or "").replace(";", ",").replace("\n", ",").split(",")]:
        if not raw:
            continue
        code = cpv.normalise(raw)
        if code is None or code not in cpv.nomenclature():
            raise ValidationError(f"Code CPV inconnu : « {raw} » (8 chiffres, ex. 45210000-2).", code="cpv")
        if code not in codes:
            codes.append(code)
    return codes


class FamilyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return ("— " * getattr(obj, "depth", 0)) + obj.label


def _family_field(**kwargs):
    field = FamilyChoiceField(queryset=Family.objects.all(), required=False, label="Famille d'achat", **kwargs)
    field.choices = [("", "—")] + [(family.pk, field.label_from_instance(family)) for family in family_choices()]
    return field


class DirectionScopedMixin:
    """Limits the direction choices to the organisation's (a prescripteur: to the directions they act for)."""

    def scope_directions(self, organisation, direction_ids):
        queryset = Direction.objects.filter(organisation=organisation)
        if direction_ids is not None:
            queryset = queryset.filter(pk__in=direction_ids)
        self.fields["direction"].queryset = queryset
        self.fields["direction"].required = direction_ids is not None


class ProjectCreateForm(DirectionScopedMixin, forms.ModelForm):
    cpv_text = forms.CharField(
        label="Codes CPV", required=False, help_text="Séparés par des virgules, ex. 45210000-2, 45262700."
    )
    estimated_amount = FrenchDecimalField(
        label="Montant estimé HT (€)", strictly_positive=True, help_text="Ex. 1 234,56 € ou 120k€."
    )

    class Meta:
        model = PurchaseProject
        fields = ["subject", "direction", "family", "nature", "estimated_amount", "planned_launch_date"]
        widgets = {"planned_launch_date": DateInput()}

    def __init__(self, *args, organisation, direction_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"] = _family_field(help_text="Vide : déduite du premier code CPV.")
        self.order_fields(["subject", "direction", "cpv_text", "family", "nature", "estimated_amount"])
        self.scope_directions(organisation, direction_ids)

    def clean_cpv_text(self):
        return parse_cpv_codes(self.cleaned_data["cpv_text"])

    def clean_planned_launch_date(self):
        value = self.cleaned_data["planned_launch_date"]
        check_year(value, "Lancement")
        return value

    def project_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["cpv_codes"] = self.cleaned_data["cpv_text"]
        return data


PROJECT_FORM_FIELDS = [
    # identification
    "subject",
    "direction",
    "family",
    "nature",
    "procedure",
    "estimated_amount",
    "duration_months",
    "is_allotted",
    "allotment_reason",
    "planned_launch_date",
    "planned_notification_date",
    "is_renewal",
    "previous_contract",
    "execution_commune",
    # needs analysis
    "sourcing_done",
    "sourcing_with",
    "sourcing_date",
    "functional_analysis",
    "full_cost_approach",
    "variants_allowed",
    "technical_memo_requested",
    "technical_memo_reason",
    # environment
    "environmental_domains",
    # social
    "insertion_clause",
    "insertion_labour_share",
    "insertion_rate",
    "insertion_hourly_cost",
    "insertion_hours",
    "reservation",
    "social_devices",
    "social_justification",
    "social_exception",
    # economic and territorial
    "sme_lots",
    "sme_advance",
    "payment_days",
    "ess_access",
    "short_supply_measures",
    "carbon_estimate_kg",
]
SECTIONS = [
    ("identification", "Identification", PROJECT_FORM_FIELDS[:14] + ["cpv_text"]),
    ("needs", "Analyse des besoins", PROJECT_FORM_FIELDS[14:22]),
    ("environment", "Partie environnementale", PROJECT_FORM_FIELDS[22:23]),
    ("social", "Partie sociale", PROJECT_FORM_FIELDS[23:32]),
    ("economic", "Partie économique et territoriale", PROJECT_FORM_FIELDS[32:]),
]


class ProjectForm(DirectionScopedMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    cpv_text = forms.CharField(
        label="Codes CPV", required=False, help_text="Séparés par des virgules, ex. 45210000-2, 45262700."
    )
    estimated_amount = FrenchDecimalField(
        label="Montant estimé HT (€)", strictly_positive=True, required=False, help_text="Ex. 1 234,56 € ou 120k€."
    )
    insertion_labour_share = FrenchDecimalField(
        label="Part de main-d'œuvre (%)", required=False, min_value=0, max_value=100
    )
    insertion_rate = FrenchDecimalField(label="Taux d'insertion (%)", required=False, min_value=0, max_value=100)
    insertion_hourly_cost = FrenchDecimalField(label="Coût horaire chargé (€)", required=False, strictly_positive=True)
    insertion_hours = FrenchDecimalField(
        label="Heures d'insertion",
        required=False,
        min_value=0,
        decimal_places=0,
        help_text="Vide : calculées par la formule montant × part de main-d'œuvre × taux ÷ coût horaire.",
    )
    carbon_estimate_kg = FrenchDecimalField(
        label="Émissions estimées (kg CO2e)", required=False, min_value=0, decimal_places=0
    )
    execution_commune = CommuneField(
        label="Lieu principal d'exécution",
        required=False,
        help_text=COMMUNE_HELP + " Il situe les fournisseurs potentiels.",
    )
    environmental_domains = forms.MultipleChoiceField(
        label="Domaines environnementaux concernés",
        choices=EnvironmentalDomain.choices,
        widget=CheckboxList,
        required=False,
    )
    social_devices = forms.MultipleChoiceField(
        label="Autres dispositifs sociaux",
        choices=SocialDevice.choices,
        widget=CheckboxList,
        required=False,
    )

    class Meta:
        model = PurchaseProject
        fields = PROJECT_FORM_FIELDS
        widgets = {
            "planned_launch_date": DateInput(),
            "planned_notification_date": DateInput(),
            "sourcing_date": DateInput(),
            **{
                name: forms.Textarea(attrs={"rows": 2})
                for name in (
                    "allotment_reason",
                    "sourcing_with",
                    "technical_memo_reason",
                    "social_justification",
                    "social_exception",
                    "short_supply_measures",
                )
            },
        }

    def __init__(self, *args, organisation, direction_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"] = _family_field()
        self.scope_directions(organisation, direction_ids)
        self.fields["execution_commune"].widget.attrs.update(
            {
                "list": "communes-suggestions",
                "hx-get": reverse("strategies:commune_suggestions"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#communes-suggestions",
                "hx-swap": "innerHTML",
            }
        )
        if not self.is_bound:
            self.initial["version"] = self.instance.version
            self.initial["cpv_text"] = ", ".join(self.instance.cpv_codes or [])

    def sections(self):
        return [(key, title, [self[name] for name in names]) for key, title, names in SECTIONS]

    def clean_cpv_text(self):
        return parse_cpv_codes(self.cleaned_data["cpv_text"])

    def clean(self):
        cleaned = super().clean()
        for name, label in (
            ("planned_launch_date", "Lancement"),
            ("planned_notification_date", "Notification"),
            ("sourcing_date", "Sourçage"),
        ):
            try:
                check_year(cleaned.get(name), label)
            except ValidationError as error:
                self.add_error(name, error)
        launch, notification = cleaned.get("planned_launch_date"), cleaned.get("planned_notification_date")
        if launch and notification and notification < launch:
            self.add_error(
                "planned_notification_date", "La notification ne peut précéder le lancement de la consultation."
            )
        if cleaned.get("insertion_clause") and cleaned.get("insertion_hours") is None:
            factors = [
                cleaned.get(name) for name in ("insertion_labour_share", "insertion_rate", "insertion_hourly_cost")
            ]
            if cleaned.get("estimated_amount") and all(value is not None for value in factors):
                cleaned["insertion_hours"] = compliance.insertion_hours(
                    amount=cleaned["estimated_amount"],
                    labour_share=factors[0],
                    insertion_rate=factors[1],
                    hourly_cost=factors[2],
                )
        return cleaned

    def project_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in PROJECT_FORM_FIELDS}
        data["cpv_codes"] = self.cleaned_data["cpv_text"]
        return data

    def apply_to_instance(self, project):
        """Copies the fields that are valid onto an unsaved project (for the live checklist)."""
        for name in PROJECT_FORM_FIELDS:
            if name in self.cleaned_data:
                setattr(project, name, self.cleaned_data[name])
        return project


class RowForm(forms.Form):
    """A formset row counts as filled only when one of its typed fields is: a select showing its first option
    (criterion type, dimension) posts a value even when the user left the row alone."""

    typed_fields: tuple[str, ...] = ()

    def has_changed(self):
        return any(name in self.changed_data for name in self.typed_fields)


class AwardCriterionForm(RowForm):
    typed_fields = ("label", "weight", "description")

    label = forms.CharField(label="Critère", max_length=255)
    kind = forms.ChoiceField(label="Type", choices=CriterionKind.choices)
    weight = FrenchDecimalField(label="Pondération (%)", min_value=0, max_value=100, help_text="Ex. 12,5 %")
    includes_environment = forms.BooleanField(label="Coût intégrant l'environnement", required=False)
    description = forms.CharField(label="Rédaction", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ClauseForm(RowForm):
    typed_fields = ("label", "wording")

    label = forms.CharField(label="Intitulé", max_length=255)
    dimension = forms.ChoiceField(label="Dimension", choices=ClauseDimension.choices)
    kind = forms.ChoiceField(label="Type", choices=ClauseKind.choices, initial=ClauseKind.EXECUTION_CONDITION)
    wording = forms.CharField(label="Rédaction", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.IntegerField(widget=forms.HiddenInput, required=False)


class LotForm(RowForm):
    typed_fields = ("number", "title", "estimated_amount")

    number = forms.IntegerField(label="N°", min_value=1, max_value=999)
    title = forms.CharField(label="Intitulé du lot", max_length=255)
    estimated_amount = FrenchDecimalField(label="Montant estimé HT (€)", strictly_positive=True)


class BaseRowsFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The kept rows: every existing row not marked for deletion, and the extra rows the user filled in."""
        rows = []
        for index, form in enumerate(self.forms):
            existing = index < self.initial_form_count()
            if not (existing or form.has_changed()) or not form.is_valid() or form.cleaned_data.get("DELETE"):
                continue
            rows.append({key: value for key, value in form.cleaned_data.items() if key != "DELETE"})
        return rows


class LotFormSet(BaseRowsFormSet):
    def clean(self):
        numbers = [row["number"] for row in self.rows()] if not any(self.errors) else []
        if len(numbers) != len(set(numbers)):
            raise ValidationError("Deux lots portent le même numéro.")


CriterionFormSet = forms.formset_factory(AwardCriterionForm, formset=BaseRowsFormSet, extra=2, can_delete=True)
ClauseFormSet = forms.formset_factory(ClauseForm, formset=BaseRowsFormSet, extra=1, can_delete=True)
LotsFormSet = forms.formset_factory(LotForm, formset=LotFormSet, extra=1, can_delete=True)


def rows_for_service(rows: list[dict]) -> list[dict]:
    """Formset rows → keyword arguments of the child models (the référentiel item they came from as an id)."""
    return [
        {**{key: value for key, value in row.items() if key != "source"}, "source_id": row.get("source")}
        for row in rows
    ]


class TransitionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    launch_date = forms.DateField(
        label="Consultation lancée le",
        required=False,
        widget=DateInput(),
        help_text="Date d'envoi de l'avis de publicité.",
    )
    comment = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    favourable = forms.TypedChoiceField(
        label="Sens de l'avis",
        choices=[("", "—"), ("yes", "Favorable"), ("no", "Réservé")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
    )


class ProgrammeEntryForm(DirectionScopedMixin, forms.ModelForm):
    estimated_amount = FrenchDecimalField(label="Montant estimé HT (€)", strictly_positive=True)
    cpv_code = forms.CharField(label="Code CPV", required=False, help_text="Ex. 90911200-8")

    class Meta:
        model = ProgrammeEntry
        fields = [
            "year",
            "subject",
            "direction",
            "cpv_code",
            "family",
            "nature",
            "estimated_amount",
            "planned_launch_date",
            "planned_quarter",
            "is_recurrent",
            "is_renewal",
            "previous_contract",
        ]
        widgets = {"planned_launch_date": DateInput()}

    def __init__(self, *args, organisation, direction_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"] = _family_field(help_text="Vide : déduite du code CPV.")
        self.scope_directions(organisation, direction_ids)
        if not self.is_bound and not self.instance.pk:
            self.initial["year"] = datetime.date.today().year

    def clean_cpv_code(self):
        codes = parse_cpv_codes(self.cleaned_data["cpv_code"])
        if len(codes) > 1:
            raise ValidationError("Un seul code CPV par ligne de programmation.")
        return codes[0] if codes else ""

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not (MIN_YEAR <= year <= MAX_YEAR):
            raise ValidationError(f"L'année {year} n'est pas plausible.")
        return year

    def clean(self):
        cleaned = super().clean()
        launch, year = cleaned.get("planned_launch_date"), cleaned.get("year")
        if launch and year and launch.year != year:
            self.add_error(
                "planned_launch_date", f"La date de lancement doit tomber en {year}, année de la programmation."
            )
        return cleaned


ATTACHMENT_EXTENSIONS = (".pdf", ".odt", ".ods", ".docx", ".xlsx", ".png", ".jpg", ".jpeg", ".txt", ".csv")
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


class AttachmentForm(forms.Form):
    label = forms.CharField(label="Intitulé de la pièce", max_length=255)
    file = forms.FileField(label="Fichier", help_text="PDF, bureautique, image ou texte ; 10 Mo au plus.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ATTACHMENT_EXTENSIONS):
            raise ValidationError("Type de fichier non accepté (" + ", ".join(ATTACHMENT_EXTENSIONS) + ").")
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise ValidationError("Le fichier dépasse 10 Mo.")
        return upload


class ProgrammeImportForm(forms.Form):
    file = forms.FileField(label="Tableur de programmation (.xlsx)", help_text="5 Mo au plus.")
    year = forms.IntegerField(
        label="Année par défaut",
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        help_text="Pour les lignes sans date ni année.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError("Le fichier doit être un classeur Excel (.xlsx).")
        if upload.size > 5 * 1024 * 1024:
            raise ValidationError("Le fichier dépasse 5 Mo.")
        return upload


class SettingsForm(forms.ModelForm):
    env_weight_min = FrenchDecimalField(label="Pondération environnementale minimale (%)", min_value=0, max_value=100)
    env_weight_max = FrenchDecimalField(label="Pondération environnementale maximale (%)", min_value=0, max_value=100)
    opinion_amount_threshold = FrenchDecimalField(
        label="Avis environnement requis à partir de (€ HT)",
        required=False,
        strictly_positive=True,
        help_text="Vide : l'avis n'est demandé automatiquement que pour les familles ciblées.",
    )

    class Meta:
        model = StrategySettings
        fields = [
            "env_weight_min",
            "env_weight_max",
            "opinion_amount_threshold",
            "opinion_families",
            "validator_not_author",
        ]
        widgets = {"opinion_families": CheckboxList}

    def __init__(self, *args, can_change_review_rule: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_change_review_rule:
            # A disabled field keeps its saved value whatever is posted: an acheteur, who validates, cannot lift
            # the rule that keeps them from validating their own forms.
            field = self.fields["validator_not_author"]
            field.disabled = True
            field.help_text += " Seul un administrateur de l'organisation peut modifier ce réglage."

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("env_weight_min"), cleaned.get("env_weight_max")
        if low is not None and high is not None and low > high:
            self.add_error("env_weight_max", "Le maximum doit être au moins égal au minimum.")
        return cleaned


class ProjectFilterForm(forms.Form):
    state = forms.ChoiceField(label="État", choices=[("", "Tous")] + ProjectState.choices, required=False)
    direction = forms.ModelChoiceField(
        label="Direction", queryset=Direction.objects.none(), required=False, empty_label="Toutes"
    )
    family = forms.ModelChoiceField(
        label="Famille", queryset=Family.objects.all(), required=False, empty_label="Toutes"
    )
    year = forms.IntegerField(label="Année de lancement", required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    compliance = forms.ChoiceField(
        label="Conformité",
        choices=[("", "Toutes"), ("ok", "Sans règle bloquante"), ("ko", "Règles bloquantes à corriger")],
        required=False,
    )
    award = forms.ChoiceField(
        label="Attribution",
        choices=[("", "Toutes"), ("cancelled", "Annulée : marché publié à rattacher")],
        required=False,
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["direction"].queryset = Direction.objects.filter(organisation=organisation)

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["state"]:
            queryset = queryset.filter(state=data["state"])
        if data["direction"]:
            queryset = queryset.filter(direction=data["direction"])
        if data["family"]:
            queryset = queryset.filter(family=data["family"])
        if data["year"]:
            queryset = queryset.filter(planned_launch_date__year=data["year"])
        if data["compliance"] == "ok":
            queryset = queryset.compliant()
        elif data["compliance"] == "ko":
            queryset = queryset.not_compliant()
        if data["award"] == "cancelled":
            queryset = queryset.award_cancelled()
        return queryset


class ContractSearchForm(forms.Form):
    marche = forms.CharField(
        label="Chercher un autre marché de votre organisation",
        required=False,
        max_length=200,
        help_text="Identifiant publié (ex. 2019ANTA336800) ou mots de l'objet (ex. assistance informatique).",
    )


class ContractUnlinkForm(forms.Form):
    reason = forms.CharField(
        label="Motif du détachement",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Dites pourquoi ce marché est détaché du projet."},
    )


class ReconciliationFilterForm(forms.Form):
    year = forms.TypedChoiceField(label="Année de notification", required=False, coerce=int, empty_value=None)
    direction = forms.ModelChoiceField(
        label="Direction", queryset=Direction.objects.none(), required=False, empty_label="Toutes"
    )
    kind = forms.ChoiceField(
        label="Désaccord portant sur",
        choices=[("", "Toutes les considérations")] + ReconciliationKind.choices,
        required=False,
    )

    def __init__(self, *args, organisation, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "Toutes")] + [(year, str(year)) for year in years]
        self.fields["direction"].queryset = Direction.objects.filter(organisation=organisation)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {
            "year": self.cleaned_data["year"],
            "direction": self.cleaned_data["direction"],
            "kind": self.cleaned_data["kind"],
        }
