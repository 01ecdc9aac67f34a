from django.conf import settings

from spaser.core.navigation import entries_for


def platform(request):
    return {
        "platform_name": settings.SPASER_PLATFORM_NAME,
        "organisation_name": settings.SPASER_ORGANISATION_NAME,
        "logo_url": settings.SPASER_LOGO_URL,
        "navigation": entries_for(request) if hasattr(request, "organisation") else [],
        "demo_mode": settings.SPASER_DEMO_MODE,
    }
