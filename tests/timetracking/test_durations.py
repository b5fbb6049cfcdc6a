"""The one duration parser (PRODUCT §2.1): every accepted and refused format, and the round trip."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from clients.models import FirmSettings
from timetracking.durations import DurationError, format_minutes, parse_duration

ACCEPTED = [
    # (input, minutes)
    ("2h", 120),
    ("30m", 30),
    ("2h 30m", 150),
    ("2h30m", 150),
    ("2 h 30 m", 150),
    ("1d", 480),
    ("1d 2h", 600),
    ("0.5d", 240),
    ("2.5h", 150),
    ("2,5h", 150),
    (".5h", 30),
    ("1.25h", 75),
    ("1:30", 90),
    ("0:05", 5),
    ("10:00", 600),
    ("24:00", 1440),
    ("90", 90),
    ("1440", 1440),
    ("1", 1),
    ("  2H  ", 120),
    ("1H 30M", 90),
    ("0h 45m", 45),
    ("2h 0m", 120),
    ("24h", 1440),
    # Fractions of a minute round half-up.
    ("0.01h", 1),  # 0.6 min
    ("1.5", 90),  # a bare number with a decimal point is hours (§2.1)
    ("1,5", 90),
    ("2.4", 144),
    (".25", 15),
    ("0.01", 1),  # 0.6 min rounds half-up
    ("8.0", 480),
    ("0.5m", 1),
    ("0.125h", 8),  # 7.5 min → 8
    (90, 90),  # an int is already minutes
]


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "minutes"), ACCEPTED)
def test_accepted_formats(text, minutes):
    assert parse_duration(text) == minutes


REFUSED = [
    # (input, words the message must contain)
    ("", "required"),
    ("   ", "required"),
    (None, "required"),
    ("abc", "not understood"),
    ("h", "not understood"),
    ("2x", "not understood"),
    ("1:75", "not understood"),  # minutes of H:MM stop at 59
    ("1:5", "not understood"),  # H:MM needs two minute digits
    ("1.2.3h", "not understood"),
    ("2h30", "not understood"),  # a trailing number without a unit is ambiguous
    ("1 30", "not understood"),
    ("1e3", "not understood"),
    ("\u0663h", "not understood"),  # Arabic-Indic three: digits are ASCII only
    ("\uff12:30", "not understood"),  # full-width two
    ("1h 1h", "repeats or reorders"),
    ("30m 2h", "repeats or reorders"),
    ("1m 1d", "repeats or reorders"),
    ("-", "cannot be signed"),
    ("-0:30", "cannot be signed"),
    ("+2:25", "cannot be signed"),
    ("0", "zero"),
    ("0h", "zero"),
    ("0:00", "zero"),
    ("0.005", "zero"),  # 0.3 min rounds to 0 minutes
    ("0.001h", "zero"),
    ("24:01", "more than 24 hours"),
    ("1441", "more than 24 hours"),
    ("25h", "more than 24 hours"),
    ("1w", "more than 24 hours"),  # 5 × 8 h
    ("4d", "more than 24 hours"),
    (-30, "negative"),
    (0, "zero"),
    (True, "must be text"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "words"), REFUSED)
def test_refused_formats_name_the_problem_and_show_an_example(text, words):
    with pytest.raises(DurationError) as refused:
        parse_duration(text)
    message = str(refused.value)
    assert words in message
    assert "e.g." in message  # an accepted example is always shown


SIGNED = [
    ("-0:30", -30),
    ("+2:25", 145),
    ("- 0:30", -30),
    ("-2h 30m", -150),
    ("-45m", -45),
    ("-90", -90),
    ("-1.5", -90),  # hours, like the unsigned bare decimal
    ("2:25", 145),
    (-30, -30),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "minutes"), SIGNED)
def test_signed_adjustments_when_allowed(text, minutes):
    assert parse_duration(text, signed=True) == minutes


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "words"),
    [("-", "not understood"), ("--30", "not understood"), ("+0", "zero"), ("-0:00", "zero")],
)
def test_signed_refusals(text, words):
    with pytest.raises(DurationError, match=words):
        parse_duration(text, signed=True)


@pytest.mark.django_db
def test_signed_values_keep_the_24_hour_cap_unless_lifted():
    with pytest.raises(DurationError, match="more than 24 hours"):
        parse_duration("-25h", signed=True)
    assert parse_duration("-25h", signed=True, max_minutes=None) == -1500


@pytest.mark.django_db
def test_synced_and_field_durations_lift_the_cap():
    assert parse_duration("1w", max_minutes=None) == 2400
    assert parse_duration("30h", max_minutes=None) == 1800
    assert parse_duration("25:00", max_minutes=None) == 1500


@pytest.mark.django_db
def test_a_custom_cap_is_named_in_the_message():
    with pytest.raises(DurationError, match="more than 2 hours"):
        parse_duration("2h 1m", max_minutes=120)
    assert parse_duration("2h", max_minutes=120) == 120


@pytest.mark.django_db
def test_days_and_weeks_follow_the_env_settings(settings):
    settings.HOURS_PER_DAY = Decimal("7.5")
    settings.DAYS_PER_WEEK = Decimal("4")
    assert parse_duration("1d") == 450
    assert parse_duration("1w", max_minutes=None) == 1800
    assert parse_duration("0.5w", max_minutes=None) == 900


@pytest.mark.django_db
def test_firm_settings_override_the_env_defaults(settings):
    settings.HOURS_PER_DAY = Decimal("8")
    settings.DAYS_PER_WEEK = Decimal("5")
    FirmSettings.objects.create(hours_per_day=Decimal("6"), days_per_week=Decimal("4.5"))
    assert parse_duration("1d") == 360
    assert parse_duration("1w", max_minutes=None) == 1620  # 4.5 × 360


@pytest.mark.django_db
def test_firm_settings_override_only_what_they_set(settings):
    settings.DAYS_PER_WEEK = Decimal("4")
    FirmSettings.objects.create(hours_per_day=Decimal("7"))
    assert parse_duration("1w", max_minutes=None) == 4 * 420


def test_a_day_is_whole_minutes_rounded_half_up():
    # 7.99 h × 60 = 479.4 min → 479; 7.675 h = 460.5 min → 461.
    assert parse_duration("1d", hours_per_day=Decimal("7.99"), days_per_week=5) == 479
    assert parse_duration("1d", hours_per_day=Decimal("7.675"), days_per_week=5) == 461
    assert parse_duration("2d", hours_per_day=Decimal("7.675"), days_per_week=5) == 922


@pytest.mark.parametrize("text", ["90", "1h 30m", "1:30", "2.5h", "45m", 90])
def test_durations_without_days_or_weeks_need_no_database(text):
    # The firm's day length is looked up only for `d` and `w` (this test has no db access).
    assert parse_duration(text) in (90, 150, 45)


@pytest.mark.django_db
def test_days_look_the_firm_settings_up_once_per_parse(django_assert_num_queries):
    with django_assert_num_queries(1):
        parse_duration("1w 2d 3h", max_minutes=None)


def test_explicit_day_lengths_need_no_database():
    # Callers that know the firm's figures pass them; no query (this test has no db access).
    assert parse_duration("1d 1h", hours_per_day=8, days_per_week=5) == 540


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (1, "1m"),
        (45, "45m"),
        (60, "1h"),
        (90, "1h 30m"),
        (270, "4h 30m"),
        (1440, "24h"),
        (0, "0m"),
        (-30, "-30m"),
        (-150, "-2h 30m"),
        (3000, "50h"),
    ],
)
def test_format_minutes(minutes, text):
    assert format_minutes(minutes) == text


_ROUND_TRIP = hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.django_db
@_ROUND_TRIP
@given(minutes=st.integers(min_value=1, max_value=1440))
def test_formatting_then_parsing_is_the_identity(minutes):
    assert parse_duration(format_minutes(minutes)) == minutes


@pytest.mark.django_db
@_ROUND_TRIP
@given(minutes=st.integers(min_value=-1440, max_value=1440).filter(bool))
def test_signed_formatting_then_parsing_is_the_identity(minutes):
    assert parse_duration(format_minutes(minutes), signed=True) == minutes


@_ROUND_TRIP
@given(minutes=st.integers(min_value=1, max_value=100_000))
def test_round_trip_without_the_cap(minutes):
    assert (
        parse_duration(format_minutes(minutes), max_minutes=None, hours_per_day=8, days_per_week=5)
        == minutes
    )
