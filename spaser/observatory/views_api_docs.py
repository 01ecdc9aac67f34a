from django.shortcuts import render


def api_docs_view(request):
    """Swagger UI, vendored under static/vendor/swagger-ui, started by a static script (no inline code)."""
    return render(request, "observatory/api_docs.html")
