from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

ALLOWED_SUFFIXES = (".json", ".xml", ".json.gz", ".xml.gz")


class DecpUploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier DECP",
        help_text="JSON ou XML, format 2019 ou 2024, éventuellement compressé (.gz).",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.xml,.gz", "class": "form-control"}),
    )
    dry_run = forms.BooleanField(
        label="Simulation : tout lire et compter sans rien enregistrer",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError("Seuls les fichiers .json, .xml, .json.gz et .xml.gz sont acceptés.")
        limit = settings.SPASER_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"Le fichier dépasse la taille maximale ({filesizeformat(limit)}).")
        return upload
