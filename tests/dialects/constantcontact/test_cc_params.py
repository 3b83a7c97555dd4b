"""Parsing of the contact-report query strings in every encoding clients send."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from mailroom.activity.types import EventType
from mailroom.dialects.constantcontact import params
from mailroom.errors import BadRequest


def parse(query: str) -> params.DetailsQuery:
    return params.parse_details(parse_qsl(query, keep_blank_values=True))


@pytest.mark.parametrize(
    "query",
    [
        "tracking_activities_list=em_sends,em_clicks",  # the docs
        "tracking_activities_list=em_sends&tracking_activities_list=em_clicks",  # the SDK
        "tracking_activity_type=em_sends&tracking_activity_type=em_clicks",  # the docs
        "tracking_activity_type=em_sends%2Cem_clicks",  # the SDK (csv, values quoted)
        "tracking_activity_type=em_sends,em_clicks",
        "tracking_activity_type[0]=em_sends&tracking_activity_type[1]=em_clicks",
        "tracking_activity_type[]=em_sends&tracking_activity_type[]=em_clicks",
        "tracking_activities_list=em_sends,%20em_clicks,em_sends",  # spaces, repeats
    ],
)
def test_both_type_params_take_both_encodings(query: str) -> None:
    parsed = parse(query)
    assert parsed.types == (EventType.EM_SENDS, EventType.EM_CLICKS)
    assert parsed.type_names == ("em_sends", "em_clicks")


def test_phpfui_leaves_an_index_from_ten_up() -> None:
    names = list(params.CONSTANT_CONTACT_TYPES)
    # http_build_query numbers the items; the client strips [0]..[9] only.
    query = "&".join(
        f"tracking_activity_type{'' if i < 10 else f'[{i}]'}={name}"
        for i, name in enumerate([*names, "em_opens"])
    )
    parsed = parse(query)
    assert parsed.type_names == tuple(names)
    assert parsed.type_param == "tracking_activity_type"
    assert parsed.repeated is True


def test_the_next_link_keeps_the_callers_parameter_and_encoding() -> None:
    doc = parse("tracking_activities_list=em_sends,em_opens")
    assert (doc.type_param, doc.repeated) == ("tracking_activities_list", False)
    sdk = parse("tracking_activities_list=em_sends&tracking_activities_list=em_opens")
    assert (sdk.type_param, sdk.repeated) == ("tracking_activities_list", True)


def test_neither_parameter_means_clicks() -> None:
    parsed = parse("limit=5")
    assert parsed.types == (EventType.EM_CLICKS,)
    assert parsed.type_param is None
    assert parsed.limit == 5


def test_defaults() -> None:
    parsed = parse("tracking_activity_type=em_opens")
    assert parsed.limit == 100
    assert parsed.include_names is True
    assert parsed.after is None


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("tracking_activities_list=em_sends&tracking_activity_type=em_opens", "mutually exclusive"),
        ("tracking_activities_list=em_sends,em_bogus,em_nope", "em_bogus, em_nope"),
        ("tracking_activity_type=em_complaints", "em_complaints"),
        ("tracking_activity_type=", "at least one"),
        ("tracking_activities_list=,,", "at least one"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=", "limit"),
        ("include_campaign_activity_names=yes", "include_campaign_activity_names"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=" + params.encode_cursor(5, 6) + "AA", "cursor"),
    ],
)
def test_bad_details_queries(query: str, fragment: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse(query)
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("raw", "value"),
    [("true", True), ("TRUE", True), ("1", True), ("false", False), ("False", False), ("0", False)],
)
def test_bools(raw: str, value: bool) -> None:
    assert parse(f"include_campaign_activity_names={raw}").include_names is value


def test_limit_bounds() -> None:
    assert parse("limit=1").limit == 1
    assert parse("limit=100").limit == 100
    assert parse("limit= 25 ").limit == 25


def test_cursor_round_trip() -> None:
    token = params.encode_cursor(1_767_225_600_123, 987_654_321)
    assert "=" not in token and "+" not in token and "/" not in token
    assert parse(f"cursor={token}").after == (1_767_225_600_123, 987_654_321)


@pytest.mark.parametrize(
    ("raw", "ms"),
    [
        ("2019-01-01T00:00:00-0500", 1_546_318_800_000),
        ("2019-01-01T05:00:00Z", 1_546_318_800_000),
        ("2019-01-01T06:00:00+01:00", 1_546_318_800_000),
        ("2019-01-01T06:00:00 0100", 1_546_318_800_000),  # '+' decoded to a space
        ("2019-01-01T06:00:00 01:00", 1_546_318_800_000),
        ("2019-01-01T05:00:00.250Z", 1_546_318_800_250),
        ("2019-01-01T05:00:00", 1_546_318_800_000),  # no offset: UTC
        ("2019-01-01", 1_546_300_800_000),
    ],
)
def test_times(raw: str, ms: int) -> None:
    assert params.parse_time("start", raw) == ms


@pytest.mark.parametrize("raw", [None, "", "yesterday", "2019-13-01T00:00:00Z", "1546318800"])
def test_bad_times(raw: str | None) -> None:
    with pytest.raises(BadRequest) as caught:
        params.parse_time("start", raw)
    assert "start" in caught.value.message


def test_range_order_and_length() -> None:
    items = [("start", "2020-02-29T00:00:00Z"), ("end", "2025-03-01T00:00:00Z")]
    assert params.parse_range(items, max_years=5)[0] < params.parse_range(items)[1]
    too_long = [("start", "2020-02-29T00:00:00Z"), ("end", "2025-03-01T00:00:00.001Z")]
    with pytest.raises(BadRequest, match="5 years"):
        params.parse_range(too_long, max_years=5)
    assert params.parse_range(too_long)  # activity_summary has no length limit
    backwards = [("start", "2020-01-02T00:00:00Z"), ("end", "2020-01-01T00:00:00Z")]
    with pytest.raises(BadRequest, match="after"):
        params.parse_range(backwards)
    with pytest.raises(BadRequest, match="end is required"):
        params.parse_range([("start", "2020-01-02T00:00:00Z")])
