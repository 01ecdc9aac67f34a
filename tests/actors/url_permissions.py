import datetime as dt

from spaser.actors.models import ActorImport
from tests.actors.factories import make_actor
from tests.permission_matrix import Expect

MEMBERS = {"anonymous": 302, "staff": 403, "*": 200}
EVERYONE = {"*": 200}
# The directory (actors, sources, corrections, the public map) is shared by every organisation: no role in an
# organisation changes it, only a platform administrator ("staff", a superuser; tests/actors/test_shared_actors.py
# checks a member holding the permissions in the administration technique too).
PLATFORM_ADMIN_GET = {"anonymous": 302, "staff": 200, "*": 403}
PLATFORM_ADMIN_POST = {"anonymous": 302, "staff": 302, "*": 403}
# Importing writes the shared actors: platform administrators only, in the organisation the import run is recorded
# in; "staff" belongs to none, so every import page refuses it too.
IMPORT_GET = {"anonymous": 302, "*": 403}
IMPORT_POST = {"anonymous": 302, "*": 403}


def _actor(ctx):
    return {"pk": make_actor("Acteur de la matrice").pk}


def _published_actor(ctx):
    actor = make_actor("Acteur publié")
    actor.is_published = True
    actor.save()
    return {"pk": actor.pk}


def _source(ctx):
    from tests.actors.factories import make_source

    return {"pk": make_source("source-de-la-matrice").pk}


def _import(ctx):
    batch = ActorImport.objects.create(
        organisation=ctx.organisation,
        created_by=ctx.users["admin"],
        file_name="liste.csv",
        file_format="table",
        source_name="CRESS",
        source_licence="Licence Ouverte 2.0",
        source_date=dt.date(2026, 1, 1),
        headers=["Nom"],
        mapping={"Nom": "name"},
        rows=[{"Nom": "Structure"}],
    )
    return {"pk": batch.pk}


EXPECTATIONS = [
    Expect("actors:search", status=MEMBERS),
    Expect("actors:export_csv", status=MEMBERS),
    Expect("actors:export_xlsx", status=MEMBERS),
    Expect("actors:geojson", status=MEMBERS),
    Expect("actors:sources", status=MEMBERS),
    Expect(
        "actors:source_publish", method="post", kwargs=_source, data={"published": "1"}, status=PLATFORM_ADMIN_POST
    ),
    Expect("actors:potential_suppliers", status=MEMBERS),
    Expect("actors:detail", kwargs=_actor, status=MEMBERS),
    Expect("actors:correct", kwargs=_actor, status=PLATFORM_ADMIN_GET),
    Expect("actors:correction_remove", method="post", kwargs=_actor, status=PLATFORM_ADMIN_POST),
    Expect("actors:publish", method="post", kwargs=_actor, status=PLATFORM_ADMIN_POST),
    # Nothing ticked: a message, then back to the list.
    Expect("actors:publish_bulk", method="post", data={"published": "1"}, status=PLATFORM_ADMIN_POST),
    Expect("actors:import_list", status=IMPORT_GET),
    Expect("actors:import_create", status=IMPORT_GET),
    Expect("actors:import_detail", kwargs=_import, status=IMPORT_GET),
    Expect("actors:import_mapping", kwargs=_import, status=IMPORT_GET),
    Expect("actors:import_progress", kwargs=_import, status=IMPORT_GET),
    Expect("actors:import_confirm", method="post", kwargs=_import, status=IMPORT_POST),
    Expect("actors:import_cancel", method="post", kwargs=_import, status=IMPORT_POST),
    Expect("actors:public_map", status=EVERYONE),
    Expect("actors:public_geojson", status=EVERYONE),
    Expect("actors:public_detail", kwargs=_published_actor, status=EVERYONE),
    Expect("actors:public_detail", kwargs=_actor, status={"*": 404}),  # not published
]
