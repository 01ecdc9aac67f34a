"""Trajectory, status and roll-up rules at their boundaries (pure functions, no database)."""

from decimal import Decimal as D

import pytest

from spaser.indicators.enums import Status
from spaser.indicators.trajectories import (
    Point,
    expected_value,
    indicator_status,
    mean_expected,
    period_status,
    progress,
    roll_up,
    trajectory_points,
)

BASE = Point(2022, D(20))
TARGETS = [Point(2025, D(50)), Point(2027, D(100))]
POINTS = trajectory_points(baseline=BASE, targets=TARGETS)


def status(value, year, *, targets=TARGETS, points=POINTS, decreasing=False):
    return indicator_status(
        value=None if value is None else D(value), year=year, targets=targets, points=points, decreasing=decreasing
    )


def test_linear_trajectory_through_milestones():
    assert expected_value(POINTS, 2021) is None
    assert expected_value(POINTS, 2022) == D(20)
    assert expected_value(POINTS, 2023) == D(30)
    assert expected_value(POINTS, 2025) == D(50)
    assert expected_value(POINTS, 2026) == D(75)
    assert expected_value(POINTS, 2027) == D(100)
    assert expected_value(POINTS, 2030) == D(100)  # flat after the last target


def test_without_baseline_the_trajectory_starts_at_the_first_measure():
    points = trajectory_points(baseline=None, targets=TARGETS, first_measure=Point(2023, D(10)))
    assert points[0] == Point(2023, D(10))
    assert expected_value(points, 2024) == D(30)
    # A first measure after the first target does not move the trajectory.
    assert trajectory_points(baseline=None, targets=TARGETS, first_measure=Point(2026, D(1))) == TARGETS


@pytest.mark.parametrize(
    ("value", "year", "expected"),
    [
        ("30", 2023, Status.ON_TRACK),  # exactly on the trajectory
        ("29.9999", 2023, Status.LATE),  # just below
        ("50", 2025, Status.REACHED),  # exactly the target of the year
        ("49.99", 2025, Status.LATE),
        ("50", 2024, Status.REACHED),  # the current target of 2024 is the 2025 one
        ("40", 2024, Status.ON_TRACK),  # expected 40 in 2024
        ("39.99", 2024, Status.LATE),
        ("75", 2026, Status.ON_TRACK),  # current target is 100 in 2027
        ("100", 2026, Status.REACHED),
        ("99", 2030, Status.LATE),  # after the last target: compared with it
        (None, 2024, Status.NO_DATA),
    ],
)
def test_status_boundaries_increasing(value, year, expected):
    assert status(value, year) == expected


def test_status_boundaries_decreasing():
    targets = [Point(2030, D(-40))]
    points = trajectory_points(baseline=Point(2010, D(0)), targets=targets)
    assert expected_value(points, 2020) == D(-20)
    assert status("-20", 2020, targets=targets, points=points, decreasing=True) == Status.ON_TRACK
    assert status("-19.99", 2020, targets=targets, points=points, decreasing=True) == Status.LATE
    assert status("-40", 2020, targets=targets, points=points, decreasing=True) == Status.REACHED


def test_no_target_means_no_status():
    assert status("12", 2024, targets=[], points=[]) is None


def test_roll_up_keeps_the_least_favourable_status_with_data():
    assert roll_up([Status.REACHED, Status.ON_TRACK]) == Status.ON_TRACK
    assert roll_up([Status.REACHED, Status.LATE, Status.ON_TRACK]) == Status.LATE
    assert roll_up([Status.REACHED, Status.NO_DATA, None]) == Status.REACHED
    assert roll_up([Status.NO_DATA, None]) == Status.NO_DATA
    assert roll_up([]) == Status.NO_DATA


def test_progress_counts_reached_and_on_track_among_elements_with_data():
    assert progress([Status.REACHED, Status.LATE, Status.ON_TRACK, Status.NO_DATA]) == 67
    assert progress([Status.NO_DATA]) is None


def period(value, first, last, *, targets=TARGETS, points=POINTS, decreasing=False):
    return period_status(
        value=None if value is None else D(value),
        first_year=first,
        last_year=last,
        targets=targets,
        points=points,
        decreasing=decreasing,
    )


def test_a_period_value_is_compared_with_the_mean_trajectory_of_its_years():
    # 2023, 2024, 2025 expect 30, 40, 50: a value counted over the three years is on track from 40.
    assert mean_expected(POINTS, 2023, 2025) == D(40)
    assert period("40", 2023, 2025) == Status.ON_TRACK
    assert period("39.99", 2023, 2025) == Status.LATE
    # « Atteint » against the target in force at the period's last year (50 in 2025), not its mean.
    assert period("49.99", 2023, 2025) == Status.ON_TRACK
    assert period("50", 2023, 2025) == Status.REACHED
    # The whole period: mean of 30, 40, 50, 75, 100 = 59; the 2027 target is 100.
    assert mean_expected(POINTS, 2023, 2027) == D(59)
    assert period("59", 2023, 2027) == Status.ON_TRACK
    assert period("58.99", 2023, 2027) == Status.LATE
    assert period("99.99", 2023, 2027) == Status.ON_TRACK
    assert period("100", 2023, 2027) == Status.REACHED
    assert period(None, 2023, 2027) == Status.NO_DATA
    assert period("100", 2023, 2027, targets=[]) is None


def test_a_period_before_the_trajectory_only_compares_with_its_years_that_have_one():
    assert mean_expected(POINTS, 2020, 2021) is None
    assert mean_expected(POINTS, 2021, 2023) == D(25)  # 2021 has no expected value: mean of 20 and 30
    assert period("10", 2020, 2021) == Status.LATE  # no trajectory yet: only the target can be reached


def test_a_decreasing_period_value_is_judged_the_other_way():
    points = trajectory_points(baseline=Point(2022, D(80)), targets=[Point(2025, D(50))])
    targets = [Point(2025, D(50))]
    assert mean_expected(points, 2023, 2025) == D(60)  # 70, 60, 50
    assert period("60", 2023, 2025, targets=targets, points=points, decreasing=True) == Status.ON_TRACK
    assert period("60.01", 2023, 2025, targets=targets, points=points, decreasing=True) == Status.LATE
    assert period("50", 2023, 2025, targets=targets, points=points, decreasing=True) == Status.REACHED
