from spaser.referentiel.enums import IndicatorMode
from tests.indicators.factories import ManualValueFactory
from tests.permission_matrix import Expect
from tests.referentiel.factories import ChantierFactory, IndicatorFactory

# "outsider" belongs to another organisation: it sees its own (empty) dashboard, never this one's objects.
MEMBERS = {"anonymous": 302, "staff": 403, "*": 200}
OWN_OBJECT = {"anonymous": 302, "staff": 403, "outsider": 404, "*": 200}
PILOTS = {"anonymous": 302, "admin": 200, "pilot": 200, "*": 403}
PILOTS_OWN = {"anonymous": 302, "admin": 200, "pilot": 200, "outsider": 404, "*": 403}
PILOTS_POST = {"anonymous": 302, "admin": 200, "pilot": 200, "outsider": 404, "*": 403}


def _chantier(ctx):
    return {"pk": ChantierFactory(organisation=ctx.organisation).pk}


def _indicator(ctx, **kwargs):
    chantier = ChantierFactory(organisation=ctx.organisation)
    return IndicatorFactory(chantier=chantier, **kwargs)


def _computed(ctx):
    indicator = _indicator(ctx, mode=IndicatorMode.COMPUTED, computation_key="contracts.pnad_social_share")
    return {"pk": indicator.pk, "year": 2024}


def _proof(ctx):
    return {"pk": ManualValueFactory(indicator=_indicator(ctx)).pk}


EXPECTATIONS = [
    Expect("indicators:overview", status=MEMBERS),
    Expect("indicators:direction", status=MEMBERS),
    Expect("indicators:manual_missing", status={**PILOTS, "outsider": 200}),
    Expect("indicators:chantier", kwargs=_chantier, status=OWN_OBJECT),
    Expect("indicators:indicator", kwargs=lambda ctx: {"pk": _indicator(ctx).pk}, status=OWN_OBJECT),
    Expect("indicators:indicator_chart", kwargs=lambda ctx: {"pk": _indicator(ctx).pk}, status=OWN_OBJECT),
    Expect("indicators:drilldown", kwargs=_computed, status=OWN_OBJECT),
    Expect("indicators:manual_value", kwargs=lambda ctx: {"pk": _indicator(ctx).pk}, status=PILOTS_OWN),
    # An invalid POST (no value) re-displays the form: 200 for pilots and admins, nothing saved.
    Expect(
        "indicators:manual_value",
        method="post",
        kwargs=lambda ctx: {"pk": _indicator(ctx).pk},
        data={"year": "2024", "value": ""},
        status=PILOTS_POST,
    ),
    # The proof file is missing on disk for this factory value (link only): 404 for every member.
    Expect("indicators:manual_proof", kwargs=_proof, status={"anonymous": 302, "staff": 403, "*": 404}),
]
