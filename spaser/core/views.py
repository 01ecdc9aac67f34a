import logging
import re

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from huey.contrib.djhuey import HUEY

from spaser.core.navigation import entries_for, pending_for
from spaser.core.tasks import WORKER_HEARTBEAT_KEY

logger = logging.getLogger(__name__)
COLOUR_RE = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")


def home_view(request):
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    context = {
        "entries": [entry for entry in entries_for(request) if not entry.public],
        "pending": pending_for(request) if request.organisation else [],
        "roles": [membership for membership in request.memberships],
    }
    return render(request, "core/home.html", context)


@require_GET
@never_cache
def healthz_view(request):
    """Liveness for load balancers and monitoring: database, job queue and last worker heartbeat."""
    checks = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = {"status": "ok", "engine": connection.vendor}
    except Exception as error:  # any failure must be reported, not raised
        logger.exception("healthz: database check failed")
        checks["database"] = {"status": "error", "detail": error.__class__.__name__}
        healthy = False
    try:
        checks["queue"] = {
            "status": "ok",
            "backend": HUEY.__class__.__name__,
            "pending_tasks": HUEY.pending_count(),
        }
    except Exception as error:
        logger.exception("healthz: queue check failed")
        checks["queue"] = {"status": "error", "detail": error.__class__.__name__}
        healthy = False
    try:
        checks["worker"] = {"last_heartbeat": cache.get(WORKER_HEARTBEAT_KEY)}
    except Exception as error:
        checks["worker"] = {"last_heartbeat": None, "detail": error.__class__.__name__}
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def _safe_colour(value: str, fallback: str) -> str:
    # The colour comes from the environment and ends up in CSS: accept a hex colour only.
    return value if COLOUR_RE.fullmatch(value or "") else fallback


def _rgb(colour: str) -> str:
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(char * 2 for char in digits)
    return ",".join(str(int(digits[index : index + 2], 16)) for index in (0, 2, 4))


@require_GET
def theme_css_view(request):
    """The organisation's colours as CSS custom properties (a stylesheet, since inline styles are forbidden)."""
    primary = _safe_colour(settings.SPASER_THEME_PRIMARY, "#00535e")
    secondary = _safe_colour(settings.SPASER_THEME_SECONDARY, "#f2f6f7")
    primary_rgb = _rgb(primary)
    css = (
        ":root{"
        f"--spaser-primary:{primary};"
        f"--spaser-secondary:{secondary};"
        f"--bs-primary:{primary};"
        f"--bs-primary-rgb:{primary_rgb};"
        f"--bs-link-color:{primary};"
        f"--bs-link-color-rgb:{primary_rgb};"
        f"--bs-link-hover-color:{primary};"
        f"--bs-link-hover-color-rgb:{primary_rgb};"
        "}"
    )
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def accessibility_view(request):
    return render(request, "core/accessibility.html")
