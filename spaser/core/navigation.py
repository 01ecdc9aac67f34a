"""Menu entries and "what waits for me" items contributed by each app.

An app declares, on its AppConfig:

    navigation = [NavEntry("Référentiel", "referentiel:criteria", roles={Role.BUYER}, description="...")]

    def pending_for(self, request) -> list[PendingItem]: ...   # optional

`roles=None` shows the entry to every member of an organisation; `public=True` also to anonymous visitors;
`check`, a perms.py function of the request, hides it from the members for whom it is false.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.urls import reverse


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    description: str = ""
    roles: frozenset[str] | None = None
    public: bool = False
    order: int = 100
    url_kwargs: dict = field(default_factory=dict)
    check: Callable | None = None

    def __post_init__(self):
        if self.roles is not None and not isinstance(self.roles, frozenset):
            object.__setattr__(self, "roles", frozenset(self.roles))

    @property
    def url(self) -> str:
        return reverse(self.url_name, kwargs=self.url_kwargs or None)

    def visible_to(self, request) -> bool:
        if self.public:
            return True
        if not request.user.is_authenticated or request.organisation is None:
            return False
        if self.check is not None and not self.check(request):
            return False
        return self.roles is None or bool(self.roles & request.roles)


@dataclass(frozen=True)
class PendingItem:
    label: str
    count: int
    url: str


def entries_for(request) -> list[NavEntry]:
    entries = [
        entry
        for app_config in apps.get_app_configs()
        for entry in getattr(app_config, "navigation", ())
        if entry.visible_to(request)
    ]
    return sorted(entries, key=lambda entry: (entry.order, entry.label))


def pending_for(request) -> list[PendingItem]:
    items = []
    for app_config in apps.get_app_configs():
        hook = getattr(app_config, "pending_for", None)
        if hook is not None:
            items.extend(item for item in hook(request) if item.count)
    return items
