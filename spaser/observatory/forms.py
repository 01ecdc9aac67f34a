from django import forms

from spaser.core.validators import normalize_siret, siret_error
from spaser.observatory.models import (
    MESSAGE_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    ContactRequest,
    ContactStatus,
    ContactTopic,
)
from spaser.referentiel.enums import ContractNature
from spaser.referentiel.models import Family
from spaser.strategies.enums import Quarter

HONEYPOT_FIELD = "site_web"


class ContactForm(forms.Form):
    company = forms.CharField(label="Entreprise", max_length=255)
    siret = forms.CharField(
        label="SIRET",
        required=False,
        max_length=20,
        help_text="Facultatif : 14 chiffres, les espaces sont acceptées.",
    )
    contact_name = forms.CharField(label="Vos nom et prénom", max_length=150)
    email = forms.EmailField(label="Adresse électronique", help_text="Nous y envoyons l'accusé de réception.")
    topic = forms.ChoiceField(label="Thème", choices=ContactTopic.choices, initial=ContactTopic.OTHER)
    subject = forms.CharField(label="Objet", max_length=SUBJECT_MAX_LENGTH)
    message = forms.CharField(
        label="Message",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"{MESSAGE_MAX_LENGTH} caractères au plus.",
    )
    consent = forms.BooleanField(
        label=(
            "J'accepte que ces informations soient conservées et traitées par la cellule d'accompagnement "
            "pour répondre à ma demande."
        ),
        required=True,
    )

    def clean_siret(self):
        value = normalize_siret(self.cleaned_data.get("siret") or "")
        if not value:
            return ""
        error = siret_error(value)
        if error:
            raise forms.ValidationError(error)
        return value

    @property
    def is_spam(self) -> bool:
        """The honeypot field (rendered by the template, hidden from people) was filled: a robot."""
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())


class ContactHandleForm(forms.ModelForm):
    class Meta:
        model = ContactRequest
        fields = ["status", "internal_note"]


class ContactInboxFilterForm(forms.Form):
    status = forms.ChoiceField(label="Statut", choices=[("", "Tous")] + ContactStatus.choices, required=False)


class PlanFilterForm(forms.Form):
    q = forms.CharField(label="Objet contient", required=False, max_length=100)
    year = forms.IntegerField(label="Année", required=False, min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label="Trimestre", choices=[("", "Tous")] + Quarter.choices, required=False, coerce=int, empty_value=None
    )
    family = forms.ModelChoiceField(
        label="Famille d'achat",
        queryset=Family.objects.order_by("position", "code"),
        required=False,
        empty_label="Toutes",
    )
    nature = forms.ChoiceField(label="Nature", choices=[("", "Toutes")] + ContractNature.choices, required=False)
    band = forms.ChoiceField(label="Montant estimé", required=False)

    def __init__(self, *args, **kwargs):
        from spaser.observatory.selectors import AMOUNT_BANDS, BAND_KEYS, TOP_BAND

        super().__init__(*args, **kwargs)
        labels = [label for _limit, label in AMOUNT_BANDS] + [TOP_BAND]
        self.fields["band"].choices = [("", "Tous")] + list(zip(BAND_KEYS, labels, strict=True))


class TerritoryFilterForm(forms.Form):
    year = forms.IntegerField(label="Année de notification", required=False, min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label="Catégorie d'acheteur", required=False)
    carte = forms.ChoiceField(
        label="Carte",
        required=False,
        choices=[("social", "Part sociale"), ("environmental", "Part environnementale")],
    )

    def __init__(self, *args, **kwargs):
        from spaser.accounts.enums import OrganisationKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Toutes")] + OrganisationKind.choices
