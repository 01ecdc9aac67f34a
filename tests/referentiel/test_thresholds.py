"""The threshold function at its boundaries (launch dates, amounts, periods)."""

import datetime

import pytest

from spaser.referentiel.loaders.thresholds_file import load_thresholds_file
from spaser.referentiel.models import BuyerSettings
from spaser.referentiel.services import DEFAULT_THRESHOLDS_FILE
from spaser.referentiel.thresholds import applicable_rules, evaluate, rows_from_data

ROWS = rows_from_data(load_thresholds_file(DEFAULT_THRESHOLDS_FILE))
D = datetime.date
AFTER_CLIMAT_DATE = D(2026, 9, 1)


def rules(buyer_kind="sub_central", nature="services", launch=AFTER_CLIMAT_DATE, amount=None):
    return evaluate(*ROWS, buyer_kind=buyer_kind, nature=nature, launch_date=launch, amount=amount)


def test_climat_resilience_obligations_start_on_2026_08_21():
    before, after = rules(launch=D(2026, 8, 20)), rules(launch=D(2026, 8, 21))
    for code in ("env_award_criterion", "env_execution_condition"):
        assert before.applies(code) is False
        assert after.applies(code) is True


def test_region_services_social_condition_from_216000_in_2026():
    assert rules(amount=215_999).applies("social_execution_condition") is False
    assert rules(amount=216_000).applies("social_execution_condition") is True
    assert rules(amount=215_999).applies("formalised_procedure") is False
    assert rules(amount=216_000).applies("formalised_procedure") is True


def test_social_condition_waits_for_the_date_even_above_the_threshold():
    assert rules(launch=D(2026, 8, 20), amount=500_000).applies("social_execution_condition") is False


def test_works_at_the_works_threshold():
    works = {"nature": "works", "launch": D(2026, 9, 1)}
    assert rules(**works).amount_of("eu_procedure") == 5_404_000
    assert rules(**works, amount=5_403_999).applies("social_execution_condition") is False
    assert rules(**works, amount=5_404_000).applies("social_execution_condition") is True
    assert rules(**works, amount=5_404_000).applies("formalised_procedure") is True


@pytest.mark.parametrize(
    "buyer_kind, nature, amount_2025, amount_2026",
    [
        ("central", "supplies", 143_000, 140_000),
        ("sub_central", "services", 221_000, 216_000),
        ("utilities", "supplies", 443_000, 432_000),
        ("sub_central", "works", 5_538_000, 5_404_000),
        ("central", "concession", 5_538_000, 5_404_000),
    ],
)
def test_eu_thresholds_change_on_2026_01_01(buyer_kind, nature, amount_2025, amount_2026):
    assert rules(buyer_kind, nature, D(2025, 12, 31)).amount_of("eu_procedure") == amount_2025
    assert rules(buyer_kind, nature, D(2026, 1, 1)).amount_of("eu_procedure") == amount_2026


def test_dispensation_thresholds_by_date_and_nature():
    assert rules(nature="supplies", launch=D(2026, 3, 31)).amount_of("dispensation") == 40_000
    assert rules(nature="supplies", launch=D(2026, 4, 1)).amount_of("dispensation") == 60_000
    assert rules(nature="works", launch=D(2026, 1, 1)).amount_of("dispensation") == 100_000
    assert rules(nature="services", launch=D(2026, 4, 1), amount=59_999).applies("dispensation_allowed") is True
    assert rules(nature="services", launch=D(2026, 4, 1), amount=60_000).applies("dispensation_allowed") is False


def test_strategy_form_is_required_from_40k_included():
    assert rules(amount=39_999.99).applies("strategy_form") is False
    assert rules(amount=40_000).applies("strategy_form") is True


def test_without_an_amount_the_answer_says_what_it_depends_on():
    result = rules()
    assert result.applies("social_execution_condition") is None
    obligation = next(item for item in result.obligations if item.code == "social_execution_condition")
    assert "216" in obligation.reason


def test_concessions_have_their_own_obligations():
    result = rules(nature="concession", amount=6_000_000)
    codes = {item.code for item in result.applicable}
    assert {"concession_env_award_criterion", "concession_annual_report"} <= codes
    assert "env_award_criterion" not in codes


def test_database_function_uses_the_organisation_form_threshold(defaults_loaded):
    BuyerSettings.objects.filter(organisation=defaults_loaded).update(strategy_form_threshold=25_000)
    kwargs = {"buyer_kind": "sub_central", "nature": "services", "launch_date": D(2026, 9, 1), "amount": 30_000}
    assert applicable_rules(**kwargs, organisation=defaults_loaded).applies("strategy_form") is True
    assert applicable_rules(**kwargs).applies("strategy_form") is False
    assert applicable_rules(**{**kwargs, "amount": 216_000}).applies("social_execution_condition") is True
