from spaser.accounts.models import Membership

SESSION_KEY = "current_organisation_id"


class CurrentOrganisationMiddleware:
    """Sets request.organisation, request.roles and request.memberships for the signed-in user.

    A user with several organisations picks one (stored in the session); otherwise the first one.
    Everything organisation-scoped in views starts from request.organisation.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organisation = None
        request.roles = frozenset()
        request.memberships = []
        request.organisations = []
        if request.user.is_authenticated:
            self._load(request)
        return self.get_response(request)

    def _load(self, request):
        memberships = list(
            Membership.objects.filter(user=request.user).select_related("organisation", "direction").order_by("pk")
        )
        if not memberships:
            return
        organisations = {}
        for membership in memberships:
            organisations.setdefault(membership.organisation_id, membership.organisation)
        wanted = request.session.get(SESSION_KEY)
        current_id = wanted if wanted in organisations else next(iter(organisations))
        request.organisation = organisations[current_id]
        request.organisations = sorted(organisations.values(), key=lambda organisation: organisation.name)
        request.memberships = [m for m in memberships if m.organisation_id == current_id]
        request.roles = frozenset(m.role for m in request.memberships)
