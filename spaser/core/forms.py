from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.renderers import TemplatesSetting


class AccessibleBoundField(forms.BoundField):
    """Adds Bootstrap classes and ARIA links between a field, its help text and its errors."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        css = attrs.get("class", "")
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
            base = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            base = "form-select"
        else:
            base = "form-control"
        if self.errors:
            base += " is-invalid"
            attrs["aria-invalid"] = "true"
            described = [f"{self.auto_id}_error"]
            if self.help_text:
                described.append(f"{self.auto_id}_helptext")
            attrs["aria-describedby"] = " ".join(described)
        attrs["class"] = f"{css} {base}".strip()
        return attrs


class AccessibleFormRenderer(TemplatesSetting):
    form_template_name = "components/form.html"
    field_template_name = "components/field.html"
    bound_field_class = AccessibleBoundField


def apply_validation_error(form, error: ValidationError) -> None:
    """Shows a service's ValidationError on the form fields it names (or at the top of the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


__all__ = ["AccessibleFormRenderer", "apply_validation_error", "NON_FIELD_ERRORS"]
