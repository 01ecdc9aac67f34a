"""Optional: serve the cached public pages before most of the middleware stack.

With `spaser.observatory.middleware.PublicPageMiddleware` placed right after `csp.middleware.CSPMiddleware` in
MIDDLEWARE, a cached public page is answered without the session, locale, CSRF, authentication, organisation,
messages, history and axes middleware and without resolving the URL: the answer replays the headers those
middleware had set on the first answer (Vary, Content-Language, X-Frame-Options…). The security, static-file and
CSP middleware above it still run. Without this middleware the `public_page` decorator alone serves the same
pages, after the whole stack.

Only requests without a session cookie are answered here (a signed-in user always goes through the stack),
and only paths a `public_page` view has answered before (see page_cache.full_page_*).
"""

from django.conf import settings

from spaser.observatory import page_cache


class PublicPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cacheable = request.method in ("GET", "HEAD") and settings.SESSION_COOKIE_NAME not in request.COOKIES
        if cacheable:
            response = page_cache.full_page_get(request)
            if response is not None:
                return response
        response = self.get_response(request)
        if cacheable:
            page_cache.full_page_set(request, response)
        return response
