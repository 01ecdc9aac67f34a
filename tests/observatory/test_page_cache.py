"""The public pages are served from the cache, and what they show changing drops them (page_cache)."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.observatory import page_cache
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.contracts.factories import ContractFactory


def _text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def slow_version_check(monkeypatch):
    """Other processes' changes are seen when the version is read again: here, never during the test."""
    monkeypatch.setattr(page_cache, "VERSION_CHECK_SECONDS", 3600)


def test_a_cached_page_is_served_without_any_query(
    client, published_indicator, slow_version_check, django_assert_num_queries
):
    url = reverse("observatory:indicator", args=[published_indicator.code])
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.content == first.content
    assert second["Content-Type"] == "text/html; charset=utf-8"


def test_the_shared_cache_serves_another_process_without_rendering(client, published_indicator, slow_version_check):
    url = reverse("observatory:indicator", args=[published_indicator.code])
    first = client.get(url).content
    page_cache._local_pages.clear()  # what another web process sees: only the shared cache is filled
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).content == first
    assert len(queries) == 0


def test_junk_query_parameters_do_not_create_entries(client, published_indicator, slow_version_check):
    client.get(reverse("observatory:home"))
    before = len(page_cache._local_pages)
    for index in range(20):
        assert client.get(reverse("observatory:home"), {"x": index}).status_code == 200
    assert len(page_cache._local_pages) == before


def test_the_territory_page_is_cached_per_filter(client, home, slow_version_check):
    from tests.accounts.factories import OrganisationFactory

    ContractFactory(buyer=OrganisationFactory(name="Commune de Blois", kind="commune", departement_code="41"))
    ContractFactory(buyer=OrganisationFactory(name="Département du Cher", kind="departement", departement_code="18"))
    url = reverse("observatory:territory")
    assert "Département du Cher" in _text(client.get(url))
    assert "Département du Cher" not in _text(client.get(url, {"kind": "commune"}))
    assert "Département du Cher" in _text(client.get(url))


def test_publishing_and_withdrawing_drop_the_pages_at_once(
    client, home, published_indicator, private_indicator, slow_version_check
):
    home_url = reverse("observatory:home")
    private_url = reverse("observatory:indicator", args=[private_indicator.code])
    public_url = reverse("observatory:indicator", args=[published_indicator.code])
    assert private_indicator.label not in _text(client.get(home_url))
    assert client.get(public_url).status_code == 200
    admin = MembershipFactory(organisation=home, role=Role.ADMIN).user
    admin_client = client.__class__()
    admin_client.force_login(admin)
    publication = reverse("observatory:publication")
    admin_client.post(publication, {"indicator": private_indicator.pk, "is_public": "1"})
    admin_client.post(publication, {"indicator": published_indicator.pk, "is_public": "0"})
    content = _text(client.get(home_url))
    assert private_indicator.label in content
    assert published_indicator.label not in content
    assert client.get(private_url).status_code == 200
    assert client.get(public_url).status_code == 404


def test_a_change_of_label_or_target_drops_the_pages(client, published_indicator, slow_version_check):
    url = reverse("observatory:indicator", args=[published_indicator.code])
    assert "Libellé changé" not in _text(client.get(url))
    published_indicator.label = "Libellé changé"
    published_indicator.save()
    assert "Libellé changé" in _text(client.get(url))
    # Without any measured value, the page lists the targets in its empty state.
    published_indicator.targets.filter(year=2027).update(value=Decimal("31"))  # no signal: still cached
    assert "31 % en 2027" not in _text(client.get(url))
    target = published_indicator.targets.get(year=2027)
    target.save()
    assert "31 % en 2027" in _text(client.get(url))


def test_a_manual_value_entered_by_a_pilot_drops_the_pages(client, published_indicator, slow_version_check):
    from spaser.indicators.services import manual_value_save

    url = reverse("observatory:indicator", args=[published_indicator.code])
    assert "<td>22</td>" not in _text(client.get(url))
    manual_value_save(
        indicator=published_indicator, year=2025, value=Decimal("22"), proof_link="https://e.fr/p", by=UserFactory()
    )
    assert "<td>22</td>" in _text(client.get(url))


def test_recomputed_values_are_shown_once_the_version_is_read_again(client, home, published_indicator, monkeypatch):
    """The indicators app replaces stored values in bulk (no signal): their highest id is part of the version."""
    from spaser.indicators.services import indicator_values_compute

    published_indicator.mode = "computed"
    published_indicator.computation_key = "contracts.pnad_social_share"
    published_indicator.save()
    url = reverse("observatory:key_figures", args=[2024])
    monkeypatch.setattr(page_cache, "VERSION_CHECK_SECONDS", 3600)
    ContractFactory(buyer=home, considerations_published=True, social_clause=True)
    ContractFactory(buyer=home, considerations_published=True)
    before = _text(client.get(url))
    indicator_values_compute(organisation=home, years=[2024])
    assert _text(client.get(url)) == before  # this process has not read the version again yet
    monkeypatch.setattr(page_cache, "VERSION_CHECK_SECONDS", 0)
    after = _text(client.get(url))
    assert after != before
    assert "50" in after.split(published_indicator.label, 1)[1]


def test_signed_in_users_never_get_a_cached_page(client, home, published_indicator, slow_version_check):
    url = reverse("observatory:home")
    anonymous = _text(client.get(url))
    assert "Se déconnecter" not in anonymous
    client.force_login(MembershipFactory(organisation=home, role=Role.READER).user)
    assert "Se déconnecter" in _text(client.get(url))


@pytest.fixture
def page_middleware(settings):
    """The proposed setting: PublicPageMiddleware right after the CSP middleware."""
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("csp.middleware.CSPMiddleware") + 1, "spaser.observatory.middleware.PublicPageMiddleware"
    )
    settings.MIDDLEWARE = middleware


def test_the_middleware_replays_the_whole_answer_without_the_stack(
    client, home, published_indicator, page_middleware, slow_version_check, django_assert_num_queries, monkeypatch
):
    url = reverse("observatory:indicator", args=[published_indicator.code])
    first = client.get(url)
    assert first.status_code == 200

    def no_view(*args, **kwargs):
        raise AssertionError("the URL was resolved: the stack ran")

    monkeypatch.setattr("django.core.handlers.base.BaseHandler.resolve_request", no_view)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.content == first.content
    for header in ("Content-Type", "X-Frame-Options", "Vary", "Content-Language", "Content-Security-Policy"):
        assert second[header] == first[header], header


def test_the_middleware_lets_signed_in_users_and_unknown_paths_through(
    client, home, published_indicator, page_middleware, slow_version_check
):
    url = reverse("observatory:home")
    client.get(url)
    client.force_login(MembershipFactory(organisation=home, role=Role.READER).user)
    assert "Se déconnecter" in _text(client.get(url))
    assert client.get(reverse("observatory:contact")).status_code == 200  # not a cached page: rendered


def test_the_middleware_pages_are_dropped_with_the_others(
    client, home, published_indicator, page_middleware, slow_version_check
):
    url = reverse("observatory:home")
    assert published_indicator.label in _text(client.get(url))
    assert published_indicator.label in _text(client.get(url))
    published_indicator.label = "Libellé tout neuf"
    published_indicator.save()
    assert "Libellé tout neuf" in _text(client.get(url))


def test_a_publication_change_renders_the_territory_again_without_recounting_contracts(
    client, home, published_indicator, private_indicator, slow_version_check
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from spaser.observatory.services import indicator_publication_set
    from tests.accounts.factories import OrganisationFactory

    ContractFactory(buyer=OrganisationFactory(name="Commune de Blois", kind="commune", departement_code="41"))
    url = reverse("observatory:territory")
    assert "Commune de Blois" in _text(client.get(url))
    indicator_publication_set(indicator=private_indicator, is_public=True)
    with CaptureQueriesContext(connection) as queries:
        assert "Commune de Blois" in _text(client.get(url))
    assert queries, "the page was rendered again"
    assert not [q for q in queries if "contracts_contract" in q["sql"]]


def test_a_signed_in_visit_is_never_kept_for_anonymous_visitors(client, home, published_indicator, slow_version_check):
    member = client.__class__()
    member.force_login(MembershipFactory(organisation=home, role=Role.ADMIN).user)
    for name in ("observatory:home", "observatory:territory", "observatory:plan"):
        assert "Se déconnecter" in _text(member.get(reverse(name)))
        assert "Se déconnecter" not in _text(client.get(reverse(name)))
    assert not any("Se déconnecter" in entry[0].decode() for entry in page_cache._local_pages.values())
