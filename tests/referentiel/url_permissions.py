from tests.permission_matrix import Expect
from tests.referentiel.factories import ChantierFactory, CriterionFactory, IndicatorFactory, ThemeFactory

MEMBERS = {"anonymous": 302, "staff": 403, "*": 200}
# Objects of ctx.organisation: another organisation's member gets 404, never the page.
OWN_OBJECT = {"anonymous": 302, "staff": 403, "outsider": 404, "*": 200}
# The outsider is an admin of another organisation: the role check passes, the scoped queryset then 404s.
SPASER_EDITORS = {"anonymous": 302, "admin": 200, "buyer": 200, "outsider": 404, "*": 403}
CHANTIER_EDITORS = {**SPASER_EDITORS, "pilot": 200}
# Shared objects (no organisation owns them): platform administrators only ("staff", a superuser of no
# organisation); no role of any organisation, the home one included. tests/referentiel/test_shared_objects.py
# posts valid changes as each of them and checks that nothing changed.
PLATFORM_ADMINS = {"anonymous": 302, "staff": 200, "*": 403}
SETTINGS_EDITORS = {"anonymous": 302, "admin": 200, "outsider": 200, "*": 403}
PUBLIC = {"*": 200}


def _chantier(ctx):
    return ChantierFactory(organisation=ctx.organisation)


def _spaser(ctx):
    return {"pk": _chantier(ctx).spaser_id}


def _theme(ctx):
    return {"pk": ThemeFactory(spaser=_chantier(ctx).spaser).pk}


def _chantier_pk(ctx):
    return {"pk": _chantier(ctx).pk}


def _indicator(ctx):
    return {"pk": IndicatorFactory(chantier=_chantier(ctx)).pk}


def _criterion(ctx):
    return {"pk": CriterionFactory().pk}


def _criterion_code(ctx):
    return {"code": CriterionFactory().code}


EXPECTATIONS = [
    Expect("referentiel:index", status=PUBLIC),
    Expect("referentiel:spaser_list", status=MEMBERS),
    Expect("referentiel:spaser_detail", kwargs=_spaser, status=OWN_OBJECT),
    Expect("referentiel:spaser_edit", kwargs=_spaser, status=SPASER_EDITORS),
    Expect("referentiel:spaser_export", kwargs=_spaser, status=OWN_OBJECT),
    Expect("referentiel:spaser_xlsx", kwargs=_spaser, status=OWN_OBJECT),
    Expect("referentiel:theme_edit", kwargs=_theme, status=SPASER_EDITORS),
    Expect("referentiel:chantier_detail", kwargs=_chantier_pk, status=OWN_OBJECT),
    Expect("referentiel:chantier_edit", kwargs=_chantier_pk, status=CHANTIER_EDITORS),
    Expect("referentiel:indicator_edit", kwargs=_indicator, status=CHANTIER_EDITORS),
    Expect("referentiel:criteria", status=MEMBERS),
    Expect("referentiel:criteria_xlsx", status=MEMBERS),
    Expect("referentiel:criterion_detail", kwargs=_criterion, status=MEMBERS),
    Expect("referentiel:criterion_edit", kwargs=_criterion, status=PLATFORM_ADMINS),
    # An empty post: the platform administrator gets the form back with its errors, the others nothing.
    Expect("referentiel:criterion_edit", method="post", kwargs=_criterion, status=PLATFORM_ADMINS),
    Expect("referentiel:families", status=MEMBERS),
    Expect("referentiel:thresholds", status=MEMBERS),
    Expect("referentiel:settings_edit", status=SETTINGS_EDITORS),
    Expect("referentiel:public_criteria", status=PUBLIC),
    Expect("referentiel:public_criterion_detail", kwargs=_criterion_code, status=PUBLIC),
]
