"""Automatic dispatch rules (domain.dispatch_rules.selection): which rule matches a
ticket, which engineer each strategy picks, and the order rules are tried in.

Every expected engineer is worked out by hand from the module docstring's rules.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.dispatch_rules.selection import (
    DispatchStrategy,
    Engineer,
    RuleTerms,
    TicketTraits,
    check_max_open,
    check_priority,
    choose,
    matches,
    pick,
)
from domain.errors import BadUserInput

RR = DispatchStrategy.ROUND_ROBIN
LEAST = DispatchStrategy.LEAST_LOADED
SKILL = DispatchStrategy.SKILL_MATCH
REGION = DispatchStrategy.REGION_MATCH
ALL_STRATEGIES = [RR, LEAST, SKILL, REGION]

# A region tree: province 10 > city 11 > district 12; another province 20.
PROVINCE, CITY, DISTRICT, OTHER_PROVINCE = 10, 11, 12, 20
# A customer in the district: its region and every region above it.
DISTRICT_PATH = frozenset({PROVINCE, CITY, DISTRICT})


def ticket(
    kind: str = "REPAIR",
    severity: int = 2,
    regions: frozenset[int] = DISTRICT_PATH,
    brand: str | None = "Siemens",
    declined_by: frozenset[int] = frozenset(),
) -> TicketTraits:
    return TicketTraits(
        kind=kind, severity=severity, regions=regions, brand=brand, declined_by=declined_by
    )


def rule(
    strategy: DispatchStrategy = LEAST,
    *,
    id: int = 1,
    priority: int = 100,
    kinds: frozenset[str] = frozenset(),
    severities: frozenset[int] = frozenset(),
    region_ids: frozenset[int] = frozenset(),
    brands: frozenset[str] = frozenset(),
    engineer_ids: tuple[int, ...] = (),
    last_engineer_id: int | None = None,
) -> RuleTerms:
    return RuleTerms(
        id=id,
        priority=priority,
        strategy=strategy,
        kinds=kinds,
        severities=severities,
        region_ids=region_ids,
        brands=brands,
        engineer_ids=engineer_ids,
        last_engineer_id=last_engineer_id,
    )


def eng(
    user_id: int,
    *,
    open_tickets: int = 0,
    on_duty: bool = True,
    max_open_tickets: int | None = None,
    handles_kind: bool = True,
    skills: frozenset[str] = frozenset(),
    region_ids: frozenset[int] = frozenset(),
) -> Engineer:
    return Engineer(
        user_id=user_id,
        on_duty=on_duty,
        open_tickets=open_tickets,
        max_open_tickets=max_open_tickets,
        handles_kind=handles_kind,
        skills=skills,
        region_ids=region_ids,
    )


# --- matches ----------------------------------------------------------------------------


def test_a_rule_without_conditions_matches_any_ticket() -> None:
    bare = rule()
    assert matches(bare, ticket()) is True
    assert matches(bare, ticket(kind="INSTALLATION", severity=5, regions=frozenset(), brand=None))


@pytest.mark.parametrize(
    ("kind", "expected"), [("REPAIR", True), ("MAINTENANCE", True), ("INSTALLATION", False)]
)
def test_kinds_condition(kind: str, expected: bool) -> None:
    assert matches(rule(kinds=frozenset({"REPAIR", "MAINTENANCE"})), ticket(kind=kind)) is expected


@pytest.mark.parametrize(("severity", "expected"), [(1, True), (2, True), (3, False)])
def test_severities_condition(severity: int, expected: bool) -> None:
    assert matches(rule(severities=frozenset({1, 2})), ticket(severity=severity)) is expected


@pytest.mark.parametrize(
    ("rule_regions", "ticket_regions", "expected"),
    [
        # The rule names the district itself.
        (frozenset({DISTRICT}), DISTRICT_PATH, True),
        # A rule on the province covers a customer in a district below it.
        (frozenset({PROVINCE}), DISTRICT_PATH, True),
        # One of several regions is enough.
        (frozenset({OTHER_PROVINCE, CITY}), DISTRICT_PATH, True),
        # A rule on another province does not.
        (frozenset({OTHER_PROVINCE}), DISTRICT_PATH, False),
        # A rule on the district does not cover a customer in the city above it.
        (frozenset({DISTRICT}), frozenset({PROVINCE, CITY}), False),
        # A customer without a region fails any region condition.
        (frozenset({PROVINCE}), frozenset(), False),
    ],
)
def test_region_condition_against_the_region_path(
    rule_regions: frozenset[int], ticket_regions: frozenset[int], expected: bool
) -> None:
    assert matches(rule(region_ids=rule_regions), ticket(regions=ticket_regions)) is expected


@pytest.mark.parametrize(
    ("rule_brands", "brand", "expected"),
    [
        (frozenset({"Siemens"}), "Siemens", True),
        (frozenset({"Siemens"}), "SIEMENS", True),
        (frozenset({"SIEMENS"}), "siemens", True),
        (frozenset({"Bosch", "siemens"}), "Siemens", True),
        # Case folding, not just lower(): "ß" folds to "ss".
        (frozenset({"Straße"}), "STRASSE", True),
        (frozenset({"Siemens"}), "Bosch", False),
        # A ticket without a brand does not match a rule that names brands.
        (frozenset({"Siemens"}), None, False),
        # A rule without brands matches a ticket without one.
        (frozenset(), None, True),
    ],
)
def test_brands_condition_ignores_case(
    rule_brands: frozenset[str], brand: str | None, expected: bool
) -> None:
    assert matches(rule(brands=rule_brands), ticket(brand=brand)) is expected


FULL_RULE = rule(
    kinds=frozenset({"REPAIR"}),
    severities=frozenset({1}),
    region_ids=frozenset({CITY}),
    brands=frozenset({"siemens"}),
)


def test_all_conditions_together_match_when_each_holds() -> None:
    assert matches(FULL_RULE, ticket(kind="REPAIR", severity=1, brand="Siemens")) is True


@pytest.mark.parametrize(
    "traits",
    [
        ticket(kind="MAINTENANCE", severity=1),
        ticket(severity=2),
        ticket(severity=1, regions=frozenset({OTHER_PROVINCE})),
        ticket(severity=1, brand="Bosch"),
        ticket(severity=1, brand=None),
    ],
    ids=["kind", "severity", "region", "brand", "no-brand"],
)
def test_all_conditions_together_fail_when_one_fails(traits: TicketTraits) -> None:
    assert matches(FULL_RULE, traits) is False


# --- pick: ROUND_ROBIN ------------------------------------------------------------------

# Given out of order on purpose: the rotation follows user ids, not the input order.
RR_POOL = [eng(8), eng(3), eng(5)]


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        (None, 3),  # first pick: the lowest id
        (3, 5),
        (5, 8),
        (8, 3),  # wraps around
        (4, 5),  # the last one left the pool: the next id after it
        (6, 8),
        (9, 3),  # past the highest id: wraps around
        (1, 3),
    ],
)
def test_round_robin_takes_the_engineer_after_the_last_one(last: int | None, expected: int) -> None:
    assert pick(rule(RR, last_engineer_id=last), ticket(), RR_POOL) == expected


def test_round_robin_ignores_load() -> None:
    engineers = [eng(3, open_tickets=0), eng(5, open_tickets=9)]
    assert pick(rule(RR, last_engineer_id=3), ticket(), engineers) == 5


def test_round_robin_skips_unavailable_engineers() -> None:
    engineers = [eng(3), eng(5, on_duty=False), eng(8)]
    assert pick(rule(RR, last_engineer_id=3), ticket(), engineers) == 8


def test_round_robin_with_a_single_engineer_picks_them_again() -> None:
    assert pick(rule(RR, last_engineer_id=4), ticket(), [eng(4)]) == 4


def test_round_robin_with_nobody_available() -> None:
    assert pick(rule(RR), ticket(), []) is None
    assert pick(rule(RR, last_engineer_id=3), ticket(), [eng(3, on_duty=False)]) is None


# --- pick: LEAST_LOADED -----------------------------------------------------------------


def test_least_loaded_picks_the_fewest_open_tickets() -> None:
    engineers = [eng(3, open_tickets=4), eng(5, open_tickets=1), eng(8, open_tickets=2)]
    assert pick(rule(LEAST), ticket(), engineers) == 5


def test_least_loaded_breaks_ties_by_lower_user_id() -> None:
    engineers = [eng(9, open_tickets=1), eng(4, open_tickets=1), eng(2, open_tickets=3)]
    assert pick(rule(LEAST), ticket(), engineers) == 4


def test_least_loaded_with_nobody_available() -> None:
    assert pick(rule(LEAST), ticket(), []) is None


# --- pick: SKILL_MATCH ------------------------------------------------------------------


def test_skill_match_by_brand_then_least_loaded() -> None:
    engineers = [
        eng(3, open_tickets=0, skills=frozenset({"hvac"})),
        eng(5, open_tickets=4, skills=frozenset({"SIEMENS"})),
        eng(8, open_tickets=2, skills=frozenset({"siemens", "bosch"})),
    ]
    assert pick(rule(SKILL), ticket(brand="Siemens"), engineers) == 8


def test_skill_match_by_kind_name_ignoring_case() -> None:
    engineers = [
        eng(3, open_tickets=0, skills=frozenset({"Repair"})),
        eng(5, open_tickets=0, skills=frozenset({"installation"})),
    ]
    traits = ticket(kind="INSTALLATION", brand=None)
    assert pick(rule(SKILL), traits, engineers) == 5


def test_skill_match_accepts_brand_or_kind() -> None:
    # 3 knows the kind, 5 the brand; both qualify, the less loaded wins.
    engineers = [
        eng(3, open_tickets=2, skills=frozenset({"REPAIR"})),
        eng(5, open_tickets=1, skills=frozenset({"Siemens"})),
    ]
    assert pick(rule(SKILL), ticket(kind="REPAIR", brand="SIEMENS"), engineers) == 5


def test_skill_match_ties_broken_by_lower_user_id() -> None:
    engineers = [
        eng(7, open_tickets=1, skills=frozenset({"siemens"})),
        eng(6, open_tickets=1, skills=frozenset({"Siemens"})),
    ]
    assert pick(rule(SKILL), ticket(), engineers) == 6


def test_skill_match_with_nobody_skilled_picks_nobody() -> None:
    engineers = [
        eng(3, skills=frozenset({"bosch"})),
        eng(5, skills=frozenset()),
        eng(8, skills=frozenset({"maintenance"})),
    ]
    assert pick(rule(SKILL), ticket(kind="REPAIR", brand="Siemens"), engineers) is None


def test_skill_match_without_brand_needs_the_kind() -> None:
    engineers = [eng(3, skills=frozenset({"siemens"}))]
    assert pick(rule(SKILL), ticket(kind="REPAIR", brand=None), engineers) is None


# --- pick: REGION_MATCH -----------------------------------------------------------------


def test_region_match_covers_the_customer_region_path_then_least_loaded() -> None:
    engineers = [
        eng(3, open_tickets=0, region_ids=frozenset({OTHER_PROVINCE})),
        eng(5, open_tickets=3, region_ids=frozenset({PROVINCE})),
        eng(8, open_tickets=1, region_ids=frozenset({DISTRICT})),
    ]
    assert pick(rule(REGION), ticket(regions=DISTRICT_PATH), engineers) == 8


def test_region_match_an_engineer_of_a_parent_region_covers_a_child() -> None:
    engineers = [
        eng(3, open_tickets=0, region_ids=frozenset({OTHER_PROVINCE})),
        eng(5, open_tickets=7, region_ids=frozenset({PROVINCE})),
    ]
    assert pick(rule(REGION), ticket(regions=DISTRICT_PATH), engineers) == 5


def test_region_match_an_engineer_of_a_child_region_does_not_cover_the_parent() -> None:
    engineers = [eng(3, region_ids=frozenset({DISTRICT}))]
    assert pick(rule(REGION), ticket(regions=frozenset({PROVINCE, CITY})), engineers) is None


def test_region_match_a_ticket_without_region_picks_nobody() -> None:
    engineers = [eng(3, region_ids=frozenset({PROVINCE}))]
    assert pick(rule(REGION), ticket(regions=frozenset()), engineers) is None


# --- pick: the filters every strategy applies -------------------------------------------

# Engineer 1 would be every strategy's choice (lowest id, lowest load, skilled in the
# ticket's brand, covering its region) unless a filter removes them; engineer 2 is the
# fallback, more loaded than 1 in every case.
SKILLS = frozenset({"Siemens"})
REGIONS = frozenset({PROVINCE})


def candidate(
    user_id: int,
    *,
    open_tickets: int | None = None,
    on_duty: bool = True,
    max_open_tickets: int | None = None,
    handles_kind: bool = True,
) -> Engineer:
    return eng(
        user_id,
        open_tickets=(0 if user_id == 1 else 5) if open_tickets is None else open_tickets,
        on_duty=on_duty,
        max_open_tickets=max_open_tickets,
        handles_kind=handles_kind,
        skills=SKILLS,
        region_ids=REGIONS,
    )


FILTERS = {
    "off-duty": ({"on_duty": False}, frozenset[int](), ()),
    "at-max": ({"open_tickets": 3, "max_open_tickets": 3}, frozenset[int](), ()),
    "over-max": ({"open_tickets": 4, "max_open_tickets": 3}, frozenset[int](), ()),
    "max-zero": ({"open_tickets": 0, "max_open_tickets": 0}, frozenset[int](), ()),
    "kind-not-handled": ({"handles_kind": False}, frozenset[int](), ()),
    "declined": ({}, frozenset({1}), ()),
    "not-in-rule-pool": ({}, frozenset[int](), (2, 99)),
}


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
@pytest.mark.parametrize(("changes", "declined", "pool"), FILTERS.values(), ids=FILTERS.keys())
def test_filtered_engineer_is_never_picked(
    strategy: DispatchStrategy,
    changes: dict[str, Any],
    declined: frozenset[int],
    pool: tuple[int, ...],
) -> None:
    chosen = rule(strategy, engineer_ids=pool)
    traits = ticket(declined_by=declined)
    assert pick(chosen, traits, [candidate(1, **changes), candidate(2)]) == 2
    assert pick(chosen, traits, [candidate(1, **changes)]) is None


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
def test_unfiltered_engineer_one_is_every_strategy_choice(strategy: DispatchStrategy) -> None:
    assert pick(rule(strategy), ticket(), [candidate(2), candidate(1)]) == 1


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
@pytest.mark.parametrize(
    ("open_tickets", "max_open"),
    [(500, None), (2, 3), (0, 1)],
    ids=["unlimited", "below-max", "empty-max-one"],
)
def test_engineers_with_room_stay_eligible(
    strategy: DispatchStrategy, open_tickets: int, max_open: int | None
) -> None:
    alone = candidate(1, open_tickets=open_tickets, max_open_tickets=max_open)
    assert pick(rule(strategy), ticket(), [alone]) == 1


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
def test_rule_pool_limits_to_its_engineers(strategy: DispatchStrategy) -> None:
    engineers = [candidate(1), candidate(2), candidate(3, open_tickets=6)]
    assert pick(rule(strategy, engineer_ids=(3,)), ticket(), engineers) == 3


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
def test_rule_pool_of_absent_engineers_picks_nobody(strategy: DispatchStrategy) -> None:
    assert pick(rule(strategy, engineer_ids=(42,)), ticket(), [candidate(1)]) is None


def test_round_robin_rotates_within_the_rule_pool() -> None:
    engineers = [eng(1), eng(2), eng(3), eng(4)]
    assert pick(rule(RR, engineer_ids=(4, 2), last_engineer_id=2), ticket(), engineers) == 4
    assert pick(rule(RR, engineer_ids=(4, 2), last_engineer_id=4), ticket(), engineers) == 2


def test_declined_engineers_are_skipped_by_round_robin_turn() -> None:
    engineers = [eng(3), eng(5), eng(8)]
    traits = ticket(declined_by=frozenset({5, 8}))
    assert pick(rule(RR, last_engineer_id=3), traits, engineers) == 3


# --- choose -----------------------------------------------------------------------------


def test_choose_tries_rules_by_priority_then_id() -> None:
    # Each rule has its own one-engineer pool, so the engineer tells which rule won.
    engineers = [eng(10), eng(20), eng(30)]
    late = rule(id=3, priority=10, engineer_ids=(30,))
    older = rule(id=2, priority=5, engineer_ids=(20,))
    newer = rule(id=7, priority=5, engineer_ids=(10,))
    result = choose([late, newer, older], ticket(), engineers)
    assert result is not None
    assert result[0] is older
    assert result[1] == 20


def test_choose_lower_priority_number_wins_over_lower_id() -> None:
    engineers = [eng(10), eng(20)]
    first = rule(id=9, priority=0, engineer_ids=(10,))
    second = rule(id=1, priority=1, engineer_ids=(20,))
    assert choose([second, first], ticket(), engineers) == (first, 10)


def test_choose_skips_a_rule_that_does_not_match() -> None:
    engineers = [eng(10), eng(20)]
    installs = rule(id=1, priority=0, kinds=frozenset({"INSTALLATION"}), engineer_ids=(10,))
    repairs = rule(id=2, priority=1, kinds=frozenset({"REPAIR"}), engineer_ids=(20,))
    assert choose([installs, repairs], ticket(kind="REPAIR"), engineers) == (repairs, 20)


def test_choose_a_matching_rule_that_picks_nobody_gives_way() -> None:
    engineers = [eng(10, on_duty=False), eng(20)]
    empty = rule(id=1, priority=0, engineer_ids=(10,))
    fallback = rule(id=2, priority=1, engineer_ids=(20,))
    assert choose([empty, fallback], ticket(), engineers) == (fallback, 20)


def test_choose_skill_rule_without_skilled_engineer_gives_way_to_least_loaded() -> None:
    engineers = [eng(10, open_tickets=2), eng(20, open_tickets=1)]
    skilled = rule(SKILL, id=1, priority=0)
    anyone = rule(LEAST, id=2, priority=1)
    assert choose([skilled, anyone], ticket(), engineers) == (anyone, 20)


def test_choose_no_matching_rule() -> None:
    rules = [rule(id=1, severities=frozenset({1})), rule(id=2, brands=frozenset({"Bosch"}))]
    assert choose(rules, ticket(severity=3, brand="Siemens"), [eng(10)]) is None


def test_choose_matching_rules_but_nobody_available() -> None:
    rules = [rule(RR, id=1), rule(LEAST, id=2)]
    assert choose(rules, ticket(), [eng(10, on_duty=False)]) is None


def test_choose_without_rules() -> None:
    assert choose([], ticket(), [eng(10)]) is None


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 1, 500, 10_000])
def test_check_priority_accepts_the_range(value: int) -> None:
    assert check_priority(value) == value


@pytest.mark.parametrize("value", [-1, 10_001, -10_000])
def test_check_priority_refuses_out_of_range(value: int) -> None:
    with pytest.raises(BadUserInput) as caught:
        check_priority(value)
    assert caught.value.extensions["field"] == "priority"
    assert caught.value.message == "priority: must be between 0 and 10000"


@pytest.mark.parametrize("value", [None, 0, 1, 1000])
def test_check_max_open_accepts_the_range_and_none(value: int | None) -> None:
    assert check_max_open(value) == value


@pytest.mark.parametrize("value", [-1, 1001])
def test_check_max_open_refuses_out_of_range(value: int) -> None:
    with pytest.raises(BadUserInput) as caught:
        check_max_open(value)
    assert caught.value.extensions["field"] == "maxOpenTickets"
