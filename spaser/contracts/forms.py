from django import forms

from spaser.contracts import enums
from spaser.geo.models import Departement
from spaser.suppliers.enums import CompanyCategory

CONSIDERATION_CHOICES = [
    ("", "Toutes"),
    ("social", "Avec une considération sociale"),
    ("environmental", "Avec une considération environnementale"),
    ("both", "Avec les deux"),
    ("none", "Déclaré sans considération"),
    ("unpublished", "Non publiées (format 2019)"),
]


class ContractFilterForm(forms.Form):
    q = forms.CharField(label="Recherche", required=False, help_text="Objet, identifiant, titulaire")
    buyer = forms.CharField(label="Acheteur (nom ou SIRET)", required=False)
    year = forms.IntegerField(label="Année de notification", required=False, min_value=1990, max_value=2100)
    family = forms.ChoiceField(label="Famille d'achat", required=False)
    procedure = forms.ChoiceField(
        label="Procédure", required=False, choices=[("", "Toutes"), *enums.Procedure.choices]
    )
    considerations = forms.ChoiceField(label="Considérations", required=False, choices=CONSIDERATION_CHOICES)
    holder_category = forms.ChoiceField(
        label="Catégorie du titulaire",
        required=False,
        choices=[("", "Toutes"), *CompanyCategory.choices, ("unknown", "Inconnue ou étrangère")],
    )
    departement = forms.ModelChoiceField(
        label="Département d'exécution",
        required=False,
        queryset=Departement.objects.order_by("code"),
        empty_label="Tous",
    )

    def __init__(self, *args, families=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"].choices = [("", "Toutes"), *families]
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            )


class QualityBuyerForm(forms.Form):
    """The buyer whose data quality is shown (any buyer: DECP are open data)."""

    acheteur = forms.RegexField(
        label="SIRET de l'acheteur",
        regex=r"^\s*(\d\s*){14}$",
        error_messages={"invalid": "Le SIRET de l'acheteur doit compter 14 chiffres."},
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_acheteur(self):
        return "".join(self.cleaned_data["acheteur"].split())
