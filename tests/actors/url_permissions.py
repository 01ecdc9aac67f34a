import datetime as dt

from spaser.actors.models import ActorImport
from tests.actors.factories import make_actor
from tests.permission_matrix import Expect

MEMBERS = {"anonymous": 302, "staff": 403, "*": 200}
EVERYONE = {"*": 200}
# Actors are shared by every organisation: the outsider (an administrator elsewhere) may correct and publish.
CORRECTORS_GET = {"anonymous": 302, "staff": 403, "pilot": 403, "reader": 403, "*": 200}
CORRECTORS_POST = {"anonymous": 302, "staff": 403, "pilot": 403, "reader": 403, "*": 302}
IMPORTERS_GET = {"anonymous": 302, "admin": 200, "environment": 200, "outsider": 200, "*": 403}
# An import belongs to its organisation: the outsider gets 404 for this one.
IMPORT_OF_ORGANISATION_GET = {"anonymous": 302, "admin": 200, "environment": 200, "outsider": 404, "*": 403}
IMPORT_OF_ORGANISATION_POST = {"anonymous": 302, "admin": 302, "environment": 302, "outsider": 404, "*": 403}


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
    # Sources are shared like their actors: the outsider (an administrator elsewhere) may publish one too.
    Expect(
        "actors:source_publish",
        method="post",
        kwargs=_source,
        data={"published": "1"},
        status={"anonymous": 302, "admin": 302, "environment": 302, "outsider": 302, "*": 403},
    ),
    Expect("actors:potential_suppliers", status=MEMBERS),
    Expect("actors:detail", kwargs=_actor, status=MEMBERS),
    Expect("actors:correct", kwargs=_actor, status=CORRECTORS_GET),
    Expect("actors:correction_remove", method="post", kwargs=_actor, status=CORRECTORS_POST),
    Expect(
        "actors:publish",
        method="post",
        kwargs=_actor,
        status={"anonymous": 302, "admin": 302, "environment": 302, "outsider": 302, "*": 403},
    ),
    Expect(
        "actors:publish_bulk",
        method="post",
        data={"published": "1"},  # nothing ticked: a message, then back to the list
        status={"anonymous": 302, "admin": 302, "environment": 302, "outsider": 302, "*": 403},
    ),
    Expect("actors:import_list", status=IMPORTERS_GET),
    Expect("actors:import_create", status=IMPORTERS_GET),
    Expect("actors:import_detail", kwargs=_import, status=IMPORT_OF_ORGANISATION_GET),
    Expect("actors:import_mapping", kwargs=_import, status=IMPORT_OF_ORGANISATION_GET),
    Expect("actors:import_progress", kwargs=_import, status=IMPORT_OF_ORGANISATION_GET),
    # Without a preview yet, confirming sends back to the column mapping (nothing is imported).
    Expect("actors:import_confirm", method="post", kwargs=_import, status=IMPORT_OF_ORGANISATION_POST),
    Expect("actors:import_cancel", method="post", kwargs=_import, status=IMPORT_OF_ORGANISATION_POST),
    Expect("actors:public_map", status=EVERYONE),
    Expect("actors:public_geojson", status=EVERYONE),
    Expect("actors:public_detail", kwargs=_published_actor, status=EVERYONE),
    Expect("actors:public_detail", kwargs=_actor, status={"*": 404}),  # not published
]
