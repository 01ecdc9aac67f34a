"""Test-only helpers (referenced by config/settings/test.py, never by production settings)."""

from django.core.exceptions import ImproperlyConfigured

MARKER = b"INVALID_TEMPLATE_VARIABLE<"


class FailOnInvalidTemplateVariableMiddleware:
    """Turns a page that rendered an unknown template variable into a test failure.

    The admin is excluded: Django's own admin templates rely on silent empty variables.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/admin/") or getattr(response, "streaming", False):
            return response
        if "html" in response.get("Content-Type", "") and MARKER in response.content:
            start = response.content.index(MARKER)
            raise ImproperlyConfigured(
                f"Variable de gabarit inconnue sur {request.path}: {response.content[start : start + 120]!r}"
            )
        return response
