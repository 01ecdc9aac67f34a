from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

ALLOWED_SUFFIXES = (".json", ".xml", ".json.gz", ".xml.gz", ".csv", ".csv.gz", ".parquet")


class DecpUploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier DECP",
        help_text=(
            "JSON ou XML, format 2019 ou 2024, éventuellement compressé (.gz) ; ou fichier national au format "
            "tabulaire (CSV séparé par « ; », éventuellement .gz, ou Parquet)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.xml,.gz,.csv,.parquet", "class": "form-control"}),
    )
    dry_run = forms.BooleanField(
        label="Simulation : tout lire et compter sans rien enregistrer",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(
                "Seuls les fichiers .json, .xml, .json.gz, .xml.gz, .csv, .csv.gz et .parquet sont acceptés."
            )
        limit = settings.SPASER_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"Le fichier dépasse la taille maximale ({filesizeformat(limit)}).")
        return upload
