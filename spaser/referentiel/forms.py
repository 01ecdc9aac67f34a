from django import forms
from django.core.exceptions import ValidationError

from spaser.referentiel.enums import BuyerKind, ContractNature, Dimension, IndicatorMode, ItemKind, Obligation
from spaser.referentiel.models import (
    BuyerSettings,
    Chantier,
    ChantierDirection,
    Criterion,
    Family,
    Indicator,
    Milestone,
    Spaser,
    Target,
    Theme,
)


class SpaserForm(forms.ModelForm):
    class Meta:
        model = Spaser
        fields = ["title", "version", "status", "period_start", "period_end", "description"]

    def clean(self):
        data = super().clean()
        if data.get("period_start") and data.get("period_end") and data["period_start"] > data["period_end"]:
            self.add_error("period_end", "La dernière année précède la première.")
        return data


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["axis", "title", "description", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["axis"].queryset = self.instance.spaser.axes.order_by("position")
        self.fields["axis"].empty_label = "Thématique transversale (sans axe)"


class ChantierForm(forms.ModelForm):
    class Meta:
        model = Chantier
        fields = ["theme", "title", "description", "pilot", "status", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = self.instance.spaser.themes.order_by("position")


DirectionFormSet = forms.inlineformset_factory(
    Chantier,
    ChantierDirection,
    fields=["name", "role", "position"],
    extra=1,
    can_delete=True,
)
MilestoneFormSet = forms.inlineformset_factory(
    Chantier,
    Milestone,
    fields=["label", "due_date", "done", "position"],
    widgets={"due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")},
    extra=1,
    can_delete=True,
)


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "label",
            "definition",
            "unit",
            "direction",
            "scope",
            "mode",
            "computation_key",
            "baseline_value",
            "baseline_year",
            "proof",
        ]

    def clean(self):
        data = super().clean()
        if data.get("mode") == IndicatorMode.COMPUTED and not data.get("computation_key"):
            self.add_error("computation_key", "Un indicateur calculé a besoin d'une clé de calcul.")
        if (data.get("baseline_value") is None) != (data.get("baseline_year") is None):
            self.add_error("baseline_year", "Renseignez la valeur et l'année de référence ensemble, ou aucune.")
        return data


TargetFormSet = forms.inlineformset_factory(
    Indicator,
    Target,
    fields=["year", "value"],
    extra=2,
    can_delete=True,
    labels={"year": "Année", "value": "Valeur cible"},
)


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = [
            "title",
            "kind",
            "dimension",
            "obligation",
            "legal_basis",
            "legal_status",
            "caveat",
            "families",
            "weighting_min",
            "weighting_max",
            "wording",
            "verification",
            "proof",
            "chantier_code",
            "ambition",
        ]
        widgets = {"families": forms.CheckboxSelectMultiple}

    def clean(self):
        data = super().clean()
        low, high = data.get("weighting_min"), data.get("weighting_max")
        if (low is not None or high is not None) and data.get("kind") != ItemKind.AWARD_CRITERION:
            self.add_error("weighting_min", "Une pondération ne vaut que pour un critère d'attribution.")
        if low is not None and high is not None and low > high:
            self.add_error("weighting_min", "La pondération minimale dépasse la pondération maximale.")
        if high is not None and high > 100:
            self.add_error("weighting_max", "Une pondération ne dépasse pas 100 %.")
        if data.get("obligation") == Obligation.LEGAL and not data.get("legal_basis"):
            self.add_error("legal_basis", "Une obligation légale cite son fondement.")
        return data


class CriteriaFilterForm(forms.Form):
    q = forms.CharField(label="Rechercher", required=False, max_length=100)
    family = forms.ModelChoiceField(
        label="Famille d'achat", queryset=Family.objects.none(), required=False, to_field_name="code"
    )
    dimension = forms.ChoiceField(label="Dimension", choices=[("", "Toutes")] + Dimension.choices, required=False)
    kind = forms.ChoiceField(label="Type", choices=[("", "Tous")] + ItemKind.choices, required=False)

    def __init__(self, *args, families=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"].queryset = Family.objects.all()
        self.fields["family"].choices = [("", "Toutes")] + [
            (family.code, ("\u2003" * family.depth) + family.label) for family in families
        ]


class ThresholdQueryForm(forms.Form):
    buyer_kind = forms.ChoiceField(label="Catégorie d'acheteur", choices=BuyerKind.choices)
    nature = forms.ChoiceField(label="Nature du contrat", choices=ContractNature.choices)
    launch_date = forms.DateField(
        label="Date de lancement de la consultation", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    amount = forms.DecimalField(
        label="Montant estimé HT (€)", required=False, min_value=0, max_digits=14, decimal_places=2
    )


class CpvLookupForm(forms.Form):
    cpv = forms.CharField(label="Code CPV", max_length=20, help_text="Par exemple 45223220-4 ou 09310000.")

    def clean_cpv(self):
        from spaser.referentiel import cpv

        value = self.cleaned_data["cpv"]
        if cpv.normalise(value) is None:
            raise ValidationError("Ce code CPV est illisible (8 chiffres attendus, chiffre de contrôle facultatif).")
        return value


class BuyerSettingsForm(forms.ModelForm):
    class Meta:
        model = BuyerSettings
        fields = ["buyer_kind", "strategy_form_threshold"]
