from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError

from spaser.strategies.numbers import NumberError, parse_french_number

PROOF_MAX_BYTES = 10 * 1024 * 1024
PROOF_EXTENSIONS = {".pdf", ".png", ".jpg", ".jpeg", ".xlsx", ".xls", ".ods", ".csv", ".docx", ".odt", ".txt"}


class ManualValueForm(forms.Form):
    year = forms.TypedChoiceField(label="Année", coerce=int)
    value = forms.CharField(
        label="Valeur",
        max_length=40,
        help_text="Écrite comme d'habitude : « 12,5 % », « 1 234 », « 1 234,5 ».",
    )
    comment = forms.CharField(label="Commentaire", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    proof_file = forms.FileField(
        label="Justificatif (fichier)",
        required=False,
        help_text="PDF, image, tableur ou texte ; 10 Mo au plus.",
    )
    proof_link = forms.URLField(label="Justificatif (lien)", required=False, max_length=500, assume_scheme="https")

    def __init__(self, *args, indicator, has_proof=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.has_proof = has_proof
        spaser = indicator.spaser
        self.fields["year"].choices = [(year, year) for year in range(spaser.period_start, spaser.period_end + 1)]
        self.fields["year"].help_text = f"Une année du SPASER ({spaser.period_start}-{spaser.period_end})."
        self.fields["value"].label = f"Valeur ({indicator.unit})"

    def clean_value(self):
        text = self.cleaned_data["value"]
        unit = self.indicator.unit.strip()
        if "%" in text and unit != "%":
            raise ValidationError(f"Cet indicateur se mesure en {unit}, pas en pourcentage.")
        try:
            value = parse_french_number(text)
        except NumberError as exc:
            raise ValidationError(str(exc)) from exc
        if value is None:
            raise ValidationError("Saisissez une valeur.")
        if unit == "%" and not (0 <= value <= 100) and self.indicator.direction == "increase":
            raise ValidationError("Un pourcentage s'écrit entre 0 et 100 (par exemple « 12,5 % »).")
        if abs(value) >= 10**12:
            raise ValidationError("Cette valeur est trop grande.")
        return value

    def clean_proof_file(self):
        upload = self.cleaned_data.get("proof_file")
        if not upload:
            return upload
        if upload.size > PROOF_MAX_BYTES:
            raise ValidationError("Le justificatif dépasse 10 Mo.")
        if Path(upload.name).suffix.lower() not in PROOF_EXTENSIONS:
            allowed = ", ".join(sorted(extension.lstrip(".") for extension in PROOF_EXTENSIONS))
            raise ValidationError(f"Ce type de fichier n'est pas accepté (acceptés : {allowed}).")
        head = upload.read(8)
        upload.seek(0)
        if head.startswith(b"MZ") or head.startswith(b"\x7fELF") or head.startswith(b"#!"):
            raise ValidationError("Ce fichier est un programme, pas un justificatif.")
        return upload

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("proof_file") and not cleaned.get("proof_link") and not self.has_proof:
            raise ValidationError("Joignez un justificatif : un fichier ou un lien.")
        return cleaned
