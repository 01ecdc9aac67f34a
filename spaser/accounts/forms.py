from django import forms
from django.contrib.auth.forms import AuthenticationForm

from spaser.accounts.enums import Role
from spaser.accounts.models import Direction, Organisation
from spaser.core.validators import normalize_siret


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Adresse électronique",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": "Adresse électronique ou mot de passe incorrect. Les deux champs tiennent compte des "
        "majuscules et minuscules du mot de passe.",
        "inactive": "Ce compte est désactivé.",
    }


class OrganisationForm(forms.ModelForm):
    # Wider than the 14 stored digits: people type "234 500 023 00028"; the model validates the result.
    siret = forms.CharField(label="SIRET", max_length=20, help_text="14 chiffres ; les espaces sont acceptés.")

    class Meta:
        model = Organisation
        fields = ["name", "siret", "kind", "region_code", "departement_code"]
        help_texts = {
            "region_code": "Code INSEE de la région, par exemple 24 pour Centre-Val de Loire.",
            "departement_code": "Code INSEE du département, par exemple 45.",
        }

    def clean_siret(self):
        return normalize_siret(self.cleaned_data["siret"])


class DirectionForm(forms.ModelForm):
    class Meta:
        model = Direction
        fields = ["code", "name"]

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organisation = organisation

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class MemberCreateForm(forms.Form):
    email = forms.EmailField(label="Adresse électronique")
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    role = forms.ChoiceField(label="Rôle", choices=Role.choices)
    direction = forms.ModelChoiceField(
        label="Direction",
        queryset=Direction.objects.none(),
        required=False,
        empty_label="Aucune (toute l'organisation)",
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["direction"].queryset = organisation.directions.all()
