from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from spaser.core.client_ip import client_ip


class PublicAnonThrottle(AnonRateThrottle):
    """Anonymous rate limit, read from the settings at each request (so that tests and deployments tune it)."""

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]

    def get_ident(self, request):
        # DRF's own reading trusts the whole X-Forwarded-For unless NUM_PROXIES is set: the client could pick
        # a new identity at each request. The platform's reading counts trusted proxies only.
        return client_ip(request) or "unknown"
