from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class PublicAnonThrottle(AnonRateThrottle):
    """Anonymous rate limit, read from the settings at each request (so that tests and deployments tune it)."""

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]
