"""The actor directory (actors, sources, corrections, the public map) is owned by no organisation: platform
administrators only change it.

Every URL of the actors app is classified below from the URLconf: a new one fails the first test until it says
whether it writes the shared directory, belongs to the import (reserved to platform administrators, since
confirming an import writes shared actors), or only reads. For each write, every role of the home organisation
and of another one gets 403 or 404 on GET and on a valid POST, and the directory is unchanged; a platform
administrator (an account of the administration technique holding the actors' permissions) still changes it.
Then every URL of the project is posted a publication, a correction and its removal by the roles that could write
before, and the directory must not move.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.actors import importing, services
from spaser.actors.enums import ImportStatus, ImportStep
from spaser.actors.forms import ActorCorrectionForm
from spaser.actors.models import Actor, ActorImport, ActorRecord, Source
from tests.accounts.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.actors.conftest import PLATFORM_PERMISSIONS
from tests.actors.factories import make_actor, make_source
from tests.permission_matrix import collect_expectations, matrix_context_create, named_urls

pytestmark = pytest.mark.usefixtures("taxonomy")

CSV = "Nom;Code postal;Ville\nScop nouvelle;37000;Tours\n"


def _correction(shared):
    actor = shared["actor"]
    form = ActorCorrectionForm(actor=actor)
    data = {name: "" if form.initial.get(name) is None else form.initial[name] for name in form.FIELDS}
    data.update(
        kinds=[kind.pk for kind in form.initial["kinds"]],
        natures=form.initial["natures"],
        labels=form.initial["labels"],
        families=[family.pk for family in form.initial["families"]],
        area_codes=form.initial["area_codes"],
        website="https://corrige-par-une-organisation.fr",
        reason="Vérifié",
    )
    return {"pk": actor.pk}, data


# URL name -> builds (url kwargs, valid POST data that would change the directory) from the shared objects.
SHARED_WRITES = {
    "actors:correct": _correction,
    "actors:correction_remove": lambda shared: ({"pk": shared["corrected"].pk}, {"field": "website"}),
    "actors:publish": lambda shared: ({"pk": shared["actor"].pk}, {"published": "1"}),
    "actors:publish_bulk": lambda shared: ({}, {"actor": [shared["actor"].pk], "published": "1"}),
    "actors:source_publish": lambda shared: ({"pk": shared["source"].pk}, {"published": "1"}),
    # The import run is the home organisation's; confirming it writes shared actors and a shared source.
    "actors:import_confirm": lambda shared: ({"pk": shared["batch"].pk}, {}),
}
# The other steps of an import: reserved like its confirmation (they lead to it), owned by the organisation.
IMPORT_STEPS = {
    "actors:import_list": lambda shared: ({}, {}),
    "actors:import_create": lambda shared: (
        {},
        {"source_name": "CRESS", "source_licence": "Licence Ouverte 2.0", "source_date": "2026-01-01"},
    ),
    "actors:import_detail": lambda shared: ({"pk": shared["batch"].pk}, {}),
    "actors:import_progress": lambda shared: ({"pk": shared["batch"].pk}, {}),
    "actors:import_mapping": lambda shared: ({"pk": shared["batch"].pk}, {"col_0": "name"}),
    "actors:import_cancel": lambda shared: ({"pk": shared["batch"].pk}, {}),
}
READS = {
    "actors:search",
    "actors:export_csv",
    "actors:export_xlsx",
    "actors:geojson",
    "actors:sources",
    "actors:potential_suppliers",
    "actors:detail",
    "actors:public_map",
    "actors:public_geojson",
    "actors:public_detail",
}
# Everyone but a platform administrator, in both organisations.
NON_PLATFORM_ACTORS = [("home", role) for role in Role] + [("other", role) for role in Role]


def _platform_admin(organisation):
    """A member of `organisation` (a reader there: the role grants nothing) holding the actors' permissions in the
    administration technique."""
    user = MembershipFactory(organisation=organisation, role=Role.READER, user=UserFactory(is_staff=True)).user
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="actors", codename__in=PLATFORM_PERMISSIONS)
    )
    return user


@pytest.fixture
def shared(geo, django_capture_on_commit_callbacks):
    home, other = OrganisationFactory(), OrganisationFactory()
    source = make_source("liste-partenaire")  # a partner's list: not published yet
    corrected = make_actor("Atelier corrigé", commune=geo["Tours"], source=source)
    services.actor_correct(actor=corrected, by=UserFactory(), changes={"website": "https://corrige.fr"})
    batch = importing.actor_import_create(
        organisation=home,
        by=UserFactory(),
        file_name="cress.csv",
        content=CSV.encode(),
        source_name="CRESS",
        source_publisher="",
        source_licence="Licence Ouverte 2.0",
        source_date="2026-06-01",
        default_kinds=[],
    )
    with django_capture_on_commit_callbacks(execute=True):  # the preview, as the worker runs it
        importing.actor_import_start(
            batch=batch, step=ImportStep.PREVIEW, mapping={"Nom": "name", "Code postal": "postcode", "Ville": "city"}
        )
    batch.refresh_from_db()
    assert batch.lines.exists() and not batch.running
    return {
        "home": home,
        "other": other,
        "source": source,
        "actor": make_actor("Ressourcerie", commune=geo["Tours"], source=source),
        "corrected": corrected,
        "batch": batch,
    }


def _snapshot():
    """Every row of the directory, with its update time and its history: a save that changes nothing still shows."""
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in (Actor, Source, ActorRecord)}
    for name in ("kinds", "natures", "families"):
        rows[name] = list(getattr(Actor, name).through.objects.order_by("pk").values())
    rows["history"] = [Actor.history.count(), Source.history.count()]
    rows["imports"] = list(ActorImport.objects.order_by("pk").values("pk", "status", "running", "source"))
    return rows


def test_every_actors_url_is_classified():
    urls = {name for name, _ in named_urls() if name.startswith("actors:")}
    classified = set(SHARED_WRITES) | set(IMPORT_STEPS) | READS
    assert not urls - classified, f"URL des acteurs à classer (écrit-elle l'annuaire commun ?) : {urls - classified}"
    assert not classified - urls, f"URL classées qui n'existent plus : {classified - urls}"


@pytest.mark.parametrize("url_name", sorted(SHARED_WRITES) + sorted(IMPORT_STEPS))
def test_no_organisation_role_changes_the_directory(client, shared, url_name, django_capture_on_commit_callbacks):
    builder = SHARED_WRITES.get(url_name) or IMPORT_STEPS[url_name]
    kwargs, data = builder(shared)
    url = reverse(url_name, kwargs=kwargs)
    before = _snapshot()
    failures = []
    for side, role in NON_PLATFORM_ACTORS:
        client.force_login(MembershipFactory(organisation=shared[side], role=role).user)
        with django_capture_on_commit_callbacks(execute=True):  # a task it would enqueue runs here
            statuses = (client.get(url).status_code, client.post(url, data).status_code)
        if not set(statuses) <= {403, 404}:
            failures.append(f"{side}/{role}: {statuses}")
    assert not failures, f"{url} accepté : " + " ; ".join(failures)
    assert _snapshot() == before


@pytest.mark.parametrize("url_name", sorted(SHARED_WRITES))
def test_a_platform_administrator_changes_the_directory(client, shared, url_name, django_capture_on_commit_callbacks):
    kwargs, data = SHARED_WRITES[url_name](shared)
    url = reverse(url_name, kwargs=kwargs)
    client.force_login(_platform_admin(shared["home"]))
    before = _snapshot()
    assert client.get(url).status_code == (200 if url_name == "actors:correct" else 405)  # the others: POST only
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    assert _snapshot() != before


def test_what_each_write_changes_for_a_platform_administrator(client, shared, django_capture_on_commit_callbacks):
    client.force_login(_platform_admin(shared["home"]))
    actor, corrected, source, batch = shared["actor"], shared["corrected"], shared["source"], shared["batch"]
    client.post(*_url_and_data("actors:correct", shared))
    assert Actor.objects.get(pk=actor.pk).website == "https://corrige-par-une-organisation.fr"
    client.post(*_url_and_data("actors:correction_remove", shared))
    assert Actor.objects.get(pk=corrected.pk).corrections == {}
    client.post(*_url_and_data("actors:publish_bulk", shared))
    assert list(Actor.objects.published().values_list("pk", flat=True)) == [actor.pk]
    client.post(*_url_and_data("actors:source_publish", shared))
    assert Source.objects.get(pk=source.pk).is_published and Actor.objects.published().count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(*_url_and_data("actors:import_confirm", shared))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CONFIRMED and Actor.objects.filter(name="Scop nouvelle").exists()


def _url_and_data(url_name, shared):
    kwargs, data = SHARED_WRITES[url_name](shared)
    return reverse(url_name, kwargs=kwargs), data


def test_a_platform_administrator_of_another_organisation_cannot_reach_its_import(client, shared):
    client.force_login(_platform_admin(shared["other"]))
    before = _snapshot()
    for url_name in ("actors:import_detail", "actors:import_mapping"):
        assert client.get(reverse(url_name, args=[shared["batch"].pk])).status_code == 404
    assert client.post(reverse("actors:import_confirm", args=[shared["batch"].pk])).status_code == 404
    assert _snapshot() == before
    assert client.get(reverse("actors:import_list")).status_code == 200  # its own organisation's imports


def test_a_superuser_of_no_organisation_changes_the_directory_but_imports_nowhere(client, shared):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.post(*_url_and_data("actors:publish", shared))
    assert Actor.objects.get(pk=shared["actor"].pk).is_published
    assert client.get(reverse("actors:import_list")).status_code == 403  # an import run needs an organisation


def test_the_permissions_of_the_administration_make_a_platform_administrator(client, shared):
    url = reverse("actors:correct", args=[shared["actor"].pk])
    user = MembershipFactory(organisation=shared["home"], role=Role.ADMIN).user
    client.force_login(user)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="actors"))
    assert client.get(url).status_code == 403  # the permissions without access to the administration technique
    user.is_staff = True
    user.save()
    assert client.get(url).status_code == 200
    user.user_permissions.clear()
    assert client.get(url).status_code == 403  # access to the administration without the permissions


def test_write_buttons_and_the_import_menu_are_shown_to_platform_administrators_only(client, shared):
    corrected, source = shared["corrected"], shared["source"]
    pages = [
        reverse("actors:detail", args=[corrected.pk]),
        reverse("actors:search"),
        reverse("actors:sources"),
    ]
    write_urls = [
        reverse("actors:correct", args=[corrected.pk]),
        reverse("actors:correction_remove", args=[corrected.pk]),
        reverse("actors:publish", args=[corrected.pk]),
        reverse("actors:publish_bulk"),
        reverse("actors:source_publish", args=[source.pk]),
        reverse("actors:import_list"),
    ]

    def shown(user):
        client.force_login(user)
        html = "".join(client.get(page).content.decode() for page in pages)
        return [url for url in write_urls if url in html]

    for role in Role:
        assert shown(MembershipFactory(organisation=shared["home"], role=role).user) == [], role
    assert shown(_platform_admin(shared["home"])) == write_urls


def _one_expectation_per_url():
    one_per_url = {}
    for expect in collect_expectations():
        one_per_url.setdefault(expect.url_name, expect)
    return [pytest.param(expect, id=url_name) for url_name, expect in sorted(one_per_url.items())]


@pytest.mark.parametrize("expect", _one_expectation_per_url())
def test_no_url_of_the_project_lets_an_organisation_change_the_directory(
    client, expect, django_capture_on_commit_callbacks
):
    """Every URL, posted a publication, a correction and its removal by the roles that could write before."""
    source = make_source("liste-partenaire")
    actor = make_actor("Ressourcerie", source=source)
    services.actor_correct(actor=actor, by=UserFactory(), changes={"website": "https://corrige.fr"})
    data = {
        "published": "1",
        "actor": [actor.pk],
        "field": "website",
        "website": "https://change-par-une-organisation.fr",
        "reason": "Vérifié",
    }
    ctx = matrix_context_create()
    url = reverse(expect.url_name, kwargs=expect.url_kwargs(ctx))
    before = _snapshot()
    for role in ("admin", "buyer", "prescriber", "environment", "outsider"):
        client.force_login(ctx.users[role])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, data)
        assert _snapshot() == before, f"{role} a modifié l'annuaire commun par POST {url}"
