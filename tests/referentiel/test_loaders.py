"""The data files load, and a bad file is refused with file, line and field named."""

import textwrap

import pytest

from spaser.referentiel.loaders.criteria_file import load_criteria_file, validate_criteria
from spaser.referentiel.loaders.families_file import load_families_file, validate_families
from spaser.referentiel.loaders.spaser_file import load_spaser_file, validate_spaser
from spaser.referentiel.loaders.thresholds_file import load_thresholds_file, validate_thresholds
from spaser.referentiel.loaders.yamlio import ReferentielFileError, parse_yaml
from spaser.referentiel.services import (
    DEFAULT_CRITERIA_FILE,
    DEFAULT_FAMILIES_FILE,
    DEFAULT_SPASER_FILE,
    DEFAULT_THRESHOLDS_FILE,
)

MINIMAL_SPASER = """\
format: spaser/1
spaser:
  code: S
  title: Schéma
  organisation: "23450002300028"
  period_start: 2023
  period_end: 2027
  version: "1"
  status: draft
axes:
  - code: A
    title: Axe
themes:
  - code: T
    axis: A
    title: Thème
    chantiers:
      - code: C
        title: Chantier
        status: planned
        indicators:
          - code: I
            label: Indicateur
            unit: "%"
            direction: increase
            mode: manual
            targets:
              - year: 2030
                value: 100
"""


def _spaser(text):
    return validate_spaser(parse_yaml(textwrap.dedent(text), "test.yaml"), file="test.yaml")


def _problem(excinfo):
    (problem,) = excinfo.value.problems
    return problem


def test_default_spaser_file_has_three_axes_twenty_chantiers_twenty_five_indicators():
    data = load_spaser_file(DEFAULT_SPASER_FILE)
    chantiers = [chantier for theme in data["themes"] for chantier in theme.get("chantiers", [])]
    indicators = [indicator for chantier in chantiers for indicator in chantier.get("indicators", [])]
    assert len(data["axes"]) == 3
    assert len(chantiers) >= 20
    assert len(indicators) >= 25


def test_default_spaser_file_carries_every_quantified_objective():
    data = load_spaser_file(DEFAULT_SPASER_FILE)
    indicators = {
        indicator["code"]: indicator
        for theme in data["themes"]
        for chantier in theme.get("chantiers", [])
        for indicator in chantier.get("indicators", [])
    }

    def targets(code):
        return {(target["year"], target["value"]) for target in indicators[code].get("targets", [])}

    assert indicators["B-II-1"]["baseline"] == {"value": 0, "year": 2010} and (2030, -40) in targets("B-II-1")
    assert indicators["B-II-2"]["baseline"] == {"value": 0, "year": 2015} and (2030, -49) in targets("B-II-2")
    assert (2030, 100) in targets("B-II-3")
    assert (2030, 100) in targets("B-II-E-1")
    assert (2027, 100) in targets("B-III-1") and (2027, 50) in targets("B-III-2")
    assert {(2025, -50), (2030, -90)} <= targets("B-III-G-1")
    assert (2025, 100) in targets("C-III-1")
    assert (2028, 100) in targets("C-II-1")
    assert (2027, 12) in targets("A-III-1")
    assert (2027, 100) in targets("T-ENV-1")
    assert (2027, 100) in targets("T-STR-1")
    assert indicators["PNAD-ENV"]["mode"] == "computed" and (2025, 100) in targets("PNAD-ENV")
    assert indicators["PNAD-SOC"]["mode"] == "computed" and (2025, 30) in targets("PNAD-SOC")


def test_malformed_yaml_names_file_and_line():
    with pytest.raises(ReferentielFileError) as excinfo:
        parse_yaml("items:\n  - code: X\n    caveat: un texte : avec deux points\n", "criteres.yaml")
    problem = _problem(excinfo)
    assert problem.file == "criteres.yaml"
    assert problem.line == 3
    assert "criteres.yaml, ligne 3" in str(excinfo.value)


def test_duplicate_key_is_refused_with_its_line():
    with pytest.raises(ReferentielFileError) as excinfo:
        parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert (_problem(excinfo).line, _problem(excinfo).field) == (3, "a")


def test_minimal_spaser_is_valid():
    data = _spaser(MINIMAL_SPASER)
    assert data["themes"][0]["chantiers"][0]["indicators"][0]["targets"] == [{"year": 2030, "value": 100}]


def test_target_without_year_names_line_and_field():
    text = MINIMAL_SPASER.replace(
        "              - year: 2030\n                value: 100", "              - value: 100"
    )
    with pytest.raises(ReferentielFileError) as excinfo:
        _spaser(text)
    problem = _problem(excinfo)
    assert problem.field == "themes[0].chantiers[0].indicators[0].targets[0].year"
    assert problem.line == 28
    assert problem.file == "test.yaml"


def test_theme_on_unknown_axis_is_refused():
    with pytest.raises(ReferentielFileError) as excinfo:
        _spaser(MINIMAL_SPASER.replace("    axis: A", "    axis: Z"))
    assert _problem(excinfo).field == "themes[0].axis"
    assert _problem(excinfo).line == 15


def test_computed_indicator_needs_a_computation_key():
    with pytest.raises(ReferentielFileError) as excinfo:
        _spaser(MINIMAL_SPASER.replace("mode: manual", "mode: computed"))
    assert _problem(excinfo).field.endswith("indicators[0].computation_key")


def test_unknown_key_is_refused_so_typos_do_not_vanish():
    with pytest.raises(ReferentielFileError) as excinfo:
        _spaser(
            MINIMAL_SPASER.replace("    unit:", "    unitt:").replace(
                'unitt: "%"', 'unitt: "%"\n            unit: "%"'
            )
        )
    assert any(problem.field.endswith(".unitt") for problem in excinfo.value.problems)


CRITERION = """\
version: "1"
items:
  - code: X
    title: Critère
    kind: award_criterion
    dimension: environmental
    obligation: optional
    legal_status: verified
    families: [FAM]
    weighting: {min: 10, max: 15}
    wording: Texte
    ambition: base
"""


def _criteria(text, chantier_codes=None):
    return validate_criteria(
        parse_yaml(text, "criteres.yaml"), file="criteres.yaml", family_codes={"FAM"}, chantier_codes=chantier_codes
    )


def test_weighting_min_above_max_names_line_and_field():
    with pytest.raises(ReferentielFileError) as excinfo:
        _criteria(CRITERION.replace("{min: 10, max: 15}", "{min: 20, max: 15}"))
    problem = _problem(excinfo)
    assert (problem.file, problem.line, problem.field) == ("criteres.yaml", 10, "items[0].weighting.min")


def test_unknown_family_code_names_line_and_field():
    with pytest.raises(ReferentielFileError) as excinfo:
        _criteria(CRITERION.replace("[FAM]", "[FAM, INCONNUE]"))
    problem = _problem(excinfo)
    assert (problem.line, problem.field) == (9, "items[0].families")
    assert "INCONNUE" in problem.message


def test_legal_item_needs_its_legal_basis():
    with pytest.raises(ReferentielFileError) as excinfo:
        _criteria(CRITERION.replace("obligation: optional", "obligation: legal"))
    assert _problem(excinfo).field == "items[0].legal_basis"


def test_unverified_fact_must_be_flagged_in_the_item():
    with pytest.raises(ReferentielFileError) as excinfo:
        _criteria(CRITERION.replace("legal_status: verified", "legal_status: unverified"))
    assert _problem(excinfo).field == "items[0].caveat"


def test_unverified_basis_is_never_presented_as_a_legal_obligation():
    text = CRITERION.replace("legal_status: verified", "legal_status: unverified\n    caveat: à vérifier")
    with pytest.raises(ReferentielFileError) as excinfo:
        _criteria(text.replace("obligation: optional", "obligation: legal\n    legal_basis: CCP"))
    assert _problem(excinfo).field == "items[0].obligation"


def test_weighting_on_a_clause_is_refused():
    with pytest.raises(ReferentielFileError) as excinfo:
        _criteria(CRITERION.replace("kind: award_criterion", "kind: execution_clause"))
    assert _problem(excinfo).field == "items[0].weighting"


def test_unknown_chantier_is_refused_when_chantiers_are_known():
    with pytest.raises(ReferentielFileError):
        _criteria(CRITERION + "    chantier: Z-9\n", chantier_codes={"A-I"})
    assert _criteria(CRITERION + "    chantier: Z-9\n")["items"][0]["chantier"] == "Z-9"


def test_default_criteria_cover_every_family_with_four_items():
    families = load_families_file(DEFAULT_FAMILIES_FILE)["families"]
    parents = {family["code"]: family.get("parent") for family in families}
    spaser = load_spaser_file(DEFAULT_SPASER_FILE)
    chantiers = {chantier["code"] for theme in spaser["themes"] for chantier in theme.get("chantiers", [])}
    items = load_criteria_file(DEFAULT_CRITERIA_FILE, family_codes=set(parents), chantier_codes=chantiers)["items"]

    def ancestors(code):
        while code:
            yield code
            code = parents[code]

    for code in parents:
        applicable = [item for item in items if set(item["families"]) & set(ancestors(code))]
        assert len(applicable) >= 4, code
    by_code = {item["code"]: item for item in items}
    assert by_code["ENV-CRITERE-ATTRIBUTION"]["weighting"] == {"min": 10, "max": 15}
    for code in ("SOC-RESERVATION-EA-ESAT", "SOC-RESERVATION-SIAE", "SOC-RESERVATION-ESS"):
        assert by_code[code]["kind"] == "reservation"
    assert "÷" in by_code["SOC-CLAUSE-INSERTION"]["wording"]


def test_families_file_refuses_a_prefix_given_twice():
    text = 'version: "1"\nfamilies:\n  - code: A\n    label: A\n    nature: works\n    cpv_prefixes: ["45"]\n'
    text += '  - code: B\n    label: B\n    nature: works\n    cpv_prefixes: ["45"]\n'
    with pytest.raises(ReferentielFileError) as excinfo:
        validate_families(parse_yaml(text, "familles.yaml"), file="familles.yaml", require_full_coverage=False)
    assert (_problem(excinfo).line, _problem(excinfo).field) == (10, "families[1].cpv_prefixes[0]")


def test_families_file_must_cover_every_cpv_division():
    text = 'version: "1"\nfamilies:\n  - code: A\n    label: A\n    nature: works\n    cpv_prefixes: ["45"]\n'
    with pytest.raises(ReferentielFileError) as excinfo:
        validate_families(parse_yaml(text, "familles.yaml"), file="familles.yaml")
    assert "03" in _problem(excinfo).message


def test_unquoted_prefix_is_refused():
    text = 'version: "1"\nfamilies:\n  - code: A\n    label: A\n    nature: works\n    cpv_prefixes: [45]\n'
    with pytest.raises(ReferentielFileError) as excinfo:
        validate_families(parse_yaml(text, "familles.yaml"), file="familles.yaml", require_full_coverage=False)
    assert "guillemets" in _problem(excinfo).message


def test_overlapping_threshold_periods_are_refused():
    row = "{code: eu, label: UE, buyer_kinds: [central], natures: [works], legal_basis: x, status: verified, "
    text = f"""\
version: "1"
thresholds:
  - {row}amount: 1, valid_from: 2024-01-01}}
  - {row}amount: 2, valid_from: 2025-01-01}}
obligations: []
"""
    with pytest.raises(ReferentielFileError) as excinfo:
        validate_thresholds(parse_yaml(text, "seuils.yaml"), file="seuils.yaml")
    assert _problem(excinfo).line == 4


def test_default_thresholds_file_loads():
    data = load_thresholds_file(DEFAULT_THRESHOLDS_FILE)
    assert {item["code"] for item in data["thresholds"]} >= {"eu_procedure", "dispensation", "strategy_form"}
