"""Shared référentiel data (owned by no organisation) is changed by platform administrators only.

Every URL of the référentiel is classified below from the URLconf: a new one fails the first test until it says
whether it writes shared data, an organisation's own data, or nothing. For each URL that writes shared data,
every role of the home organisation and of another one gets 403 or 404 on GET and on a valid POST, and the shared
tables are unchanged; a platform administrator still changes the object. Then every URL of the project is posted
the same valid change by the roles that could edit criteria before, and the shared tables must not move.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.referentiel import perms
from spaser.referentiel.enums import LegalStatus
from spaser.referentiel.models import CpvRule, Criterion, LegalObligation, Threshold
from tests.accounts.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.permission_matrix import collect_expectations, matrix_context_create, named_urls
from tests.referentiel.factories import CriterionFactory, FamilyFactory

# URL name -> builds (url kwargs, valid POST data that would change the shared object) from the shared objects.
SHARED_WRITES = {
    "referentiel:criterion_edit": lambda shared: ({"pk": shared["criterion"].pk}, _criterion_change(shared)),
}
# Organisation-owned objects (SPASER tree, threshold settings): their roles, scoped querysets (404 elsewhere).
ORGANISATION_WRITES = {
    "referentiel:spaser_edit",
    "referentiel:theme_edit",
    "referentiel:chantier_edit",
    "referentiel:indicator_edit",
    "referentiel:settings_edit",
}
READS = {
    "referentiel:index",
    "referentiel:spaser_list",
    "referentiel:spaser_detail",
    "referentiel:spaser_export",
    "referentiel:spaser_xlsx",
    "referentiel:chantier_detail",
    "referentiel:criteria",
    "referentiel:criteria_xlsx",
    "referentiel:criterion_detail",
    "referentiel:families",
    "referentiel:thresholds",
    "referentiel:public_criteria",
    "referentiel:public_criterion_detail",
}
# Everyone but a platform administrator, in both organisations.
NON_PLATFORM_ACTORS = [("home", role) for role in Role] + [("other", role) for role in Role]


def _criterion_change(shared):
    criterion = shared["criterion"]
    return {
        "title": "Intitulé changé par une organisation",
        "kind": criterion.kind,
        "dimension": criterion.dimension,
        "obligation": criterion.obligation,
        "legal_basis": criterion.legal_basis,
        "legal_status": criterion.legal_status,
        "caveat": "",
        "families": [shared["family"].pk],
        "wording": "Rédaction changée par une organisation",
        "verification": "",
        "proof": "",
        "chantier_code": "",
        "ambition": "base",
    }


@pytest.fixture
def shared():
    family = FamilyFactory()
    CpvRule.objects.create(prefix="0931", family=family)
    Threshold.objects.create(
        code="EU",
        label="Seuil européen",
        buyer_kinds=["sub_central"],
        natures=["services"],
        amount=Decimal("216000"),
        valid_from=dt.date(2026, 1, 1),
        legal_basis="Avis",
        status=LegalStatus.VERIFIED,
    )
    LegalObligation.objects.create(
        code="OBL", label="Obligation", natures=["services"], legal_basis="Code", status=LegalStatus.VERIFIED
    )
    return {"family": family, "criterion": CriterionFactory(families=[family])}


def _snapshot():
    """Every row of every shared model, with its update time: a save that changes nothing still shows."""
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in perms.SHARED_MODELS}
    rows["families"] = list(Criterion.families.through.objects.order_by("pk").values())
    return rows


def test_every_referentiel_url_is_classified():
    urls = {name for name, _ in named_urls() if name.startswith("referentiel:")}
    classified = set(SHARED_WRITES) | ORGANISATION_WRITES | READS
    assert not urls - classified, f"URL du référentiel à classer (écrit-elle un objet partagé ?) : {urls - classified}"
    assert not classified - urls, f"URL classées qui n'existent plus : {classified - urls}"


@pytest.mark.parametrize("url_name", sorted(SHARED_WRITES))
@pytest.mark.parametrize("side,role", NON_PLATFORM_ACTORS, ids=lambda value: str(value))
def test_no_organisation_role_changes_shared_data(client, shared, url_name, side, role):
    home, other = OrganisationFactory(), OrganisationFactory()
    client.force_login(MembershipFactory(organisation=home if side == "home" else other, role=role).user)
    kwargs, data = SHARED_WRITES[url_name](shared)
    url = reverse(url_name, kwargs=kwargs)
    before = _snapshot()
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, data).status_code in (403, 404)
    assert _snapshot() == before


@pytest.mark.parametrize("url_name", sorted(SHARED_WRITES))
def test_a_platform_administrator_changes_shared_data(client, shared, url_name):
    # A superuser who is also a member (the demo administrator) and one of no organisation.
    member = MembershipFactory(role=Role.READER, user=UserFactory(is_staff=True, is_superuser=True)).user
    for user in (member, UserFactory(is_staff=True, is_superuser=True)):
        client.force_login(user)
        kwargs, data = SHARED_WRITES[url_name](shared)
        url = reverse(url_name, kwargs=kwargs)
        before = _snapshot()
        assert client.get(url).status_code == 200
        assert client.post(url, data).status_code == 302
        assert _snapshot() != before
        Criterion.objects.filter(pk=shared["criterion"].pk).update(title="Remis", wording="Remise")


def test_the_change_permission_of_the_administration_makes_a_platform_administrator(client, shared):
    criterion = shared["criterion"]
    url = reverse("referentiel:criterion_edit", args=[criterion.pk])
    user = MembershipFactory(role=Role.ADMIN).user
    client.force_login(user)
    user.user_permissions.add(
        Permission.objects.get(codename="change_criterion", content_type__app_label="referentiel")
    )
    assert client.get(url).status_code == 403  # the permission without access to the administration technique
    user.is_staff = True
    user.save()
    assert client.get(url).status_code == 200
    detail = client.get(reverse("referentiel:criterion_detail", args=[criterion.pk]))
    assert url in detail.content.decode()
    user.user_permissions.clear()
    assert client.get(url).status_code == 403  # access to the administration without the permission


def test_the_edit_link_is_shown_to_platform_administrators_only(client, shared):
    criterion = shared["criterion"]
    edit_url = reverse("referentiel:criterion_edit", args=[criterion.pk])
    detail_url = reverse("referentiel:criterion_detail", args=[criterion.pk])
    public_url = reverse("referentiel:public_criterion_detail", args=[criterion.code])
    organisation = OrganisationFactory()
    for role in (Role.ADMIN, Role.BUYER):
        client.force_login(MembershipFactory(organisation=organisation, role=role).user)
        assert edit_url not in client.get(detail_url).content.decode()
        assert edit_url not in client.get(public_url).content.decode()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert edit_url in client.get(public_url).content.decode()


def _one_expectation_per_url():
    one_per_url = {}
    for expect in collect_expectations():
        one_per_url.setdefault(expect.url_name, expect)
    return [pytest.param(expect, id=url_name) for url_name, expect in sorted(one_per_url.items())]


@pytest.mark.parametrize("expect", _one_expectation_per_url())
def test_no_url_of_the_project_lets_an_organisation_change_shared_data(client, shared, expect):
    """Every URL, posted a valid change of a criterion by the roles that could edit criteria before."""
    ctx = matrix_context_create()
    url = reverse(expect.url_name, kwargs=expect.url_kwargs(ctx))
    before = _snapshot()
    for actor in ("admin", "buyer", "outsider"):
        client.force_login(ctx.users[actor])
        client.post(url, _criterion_change(shared))
        assert _snapshot() == before, f"{actor} a modifié un objet partagé par POST {url}"
