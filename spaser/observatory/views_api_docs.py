from django.conf import settings
from django.shortcuts import render
from django.urls import resolve, reverse

from spaser.observatory.api.pagination import MAX_PAGE_SIZE
from spaser.observatory.api.throttling import PublicAnonThrottle

# Every endpoint of the API, for its index page: (URL name, example URL kwargs, title, description); the filters
# are read from each view.
# A test checks that each URL of the "api" namespace is listed here or linked as the schema or the documentation.
ENDPOINTS = (
    (
        "api:families",
        None,
        "Familles d'achat",
        "Les familles d'achat du référentiel : code, libellé, nature (fournitures, services, travaux) et famille "
        "parente.",
    ),
    (
        "api:criteria",
        None,
        "Critères et clauses",
        "Le référentiel des critères et clauses responsables : type, dimension, caractère, rédaction type, "
        "fondement juridique et familles d'achat concernées.",
    ),
    (
        "api:indicators",
        None,
        "Indicateurs publiés",
        "Les indicateurs du SPASER que l'organisation publie, avec valeur de référence, cibles et valeurs mesurées.",
    ),
    (
        "api:indicator",
        {"code": "CODE"},
        "Un indicateur publié",
        "Le même contenu pour un seul indicateur, désigné par son code (remplacez CODE dans l'adresse).",
    ),
    (
        "api:plan",
        None,
        "Programmation des achats",
        "Les achats à venir que l'organisation a publiés, avec un montant estimé par tranche seulement.",
    ),
    (
        "api:contract_aggregates",
        None,
        "Agrégats des marchés",
        "Les marchés de l'organisation par année de notification : nombre, montants, parts sociales et "
        "environnementales.",
    ),
)
PERIODS = {1: "seconde", 60: "minute", 3600: "heure", 86400: "jour"}


def _rate_label() -> str:
    count, duration = PublicAnonThrottle().parse_rate(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"])
    if count is None:
        return ""
    period = PERIODS.get(duration, f"{duration} secondes")
    return f"{count} requêtes par {period}"


def _filters(url) -> list[str]:
    filterset = getattr(resolve(url).func.view_class, "filterset_class", None)
    return list(filterset.base_filters) if filterset else []


def api_index_view(request):
    """The API's endpoints with a French description, the schema, the documentation, limits and licence."""
    endpoints = [
        {
            "title": title,
            "url": url,
            "linked": kwargs is None,
            "description": description,
            "filters": _filters(url),
        }
        for url_name, kwargs, title, description in ENDPOINTS
        for url in [reverse(url_name, kwargs=kwargs)]
    ]
    context = {
        "endpoints": endpoints,
        "rate": _rate_label(),
        "page_size": settings.REST_FRAMEWORK["PAGE_SIZE"],
        "max_page_size": MAX_PAGE_SIZE,
    }
    return render(request, "observatory/api_index.html", context)


def api_docs_view(request):
    """Swagger UI, vendored under static/vendor/swagger-ui, started by a static script (no inline code)."""
    return render(request, "observatory/api_docs.html")
