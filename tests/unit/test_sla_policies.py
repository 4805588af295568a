"""Which SLA policy applies to a ticket, and the checks on a policy's input
(domain.sla.policies). Expected policies are picked by hand from the module's rules."""

from __future__ import annotations

import pytest

from domain.errors import BadUserInput
from domain.sla.policies import PolicyTerms, check_targets, select_policy


def policy(
    id: int,
    severity: int = 2,
    kinds: set[str] | None = None,
    categories: set[str] | None = None,
    active: bool = True,
) -> PolicyTerms:
    return PolicyTerms(
        id=id,
        severity=severity,
        kinds=None if kinds is None else frozenset(kinds),
        customer_categories=None if categories is None else frozenset(categories),
        active=active,
    )


# --- select_policy ----------------------------------------------------------------------


def test_severity_must_match() -> None:
    policies = [policy(1, severity=1), policy(2, severity=3)]
    assert select_policy(policies, 2, "REPAIR", "VIP") is None
    assert select_policy(policies, 3, "REPAIR", "VIP") is policies[1]


def test_inactive_policies_are_ignored() -> None:
    general = policy(1)
    specific_but_off = policy(9, kinds={"REPAIR"}, categories={"VIP"}, active=False)
    assert select_policy([general, specific_but_off], 2, "REPAIR", "VIP") is general
    assert select_policy([specific_but_off], 2, "REPAIR", "VIP") is None


@pytest.mark.parametrize(("kind", "expected"), [("REPAIR", True), ("INSTALLATION", False)])
def test_kinds_must_contain_the_ticket_kind(kind: str, expected: bool) -> None:
    only = policy(1, kinds={"REPAIR", "MAINTENANCE"})
    assert (select_policy([only], 2, kind, None) is only) is expected


@pytest.mark.parametrize(("category", "expected"), [("VIP", True), ("RETAIL", False)])
def test_categories_must_contain_the_customer_category(category: str, expected: bool) -> None:
    only = policy(1, categories={"VIP", "GOLD"})
    assert (select_policy([only], 2, "REPAIR", category) is only) is expected


def test_a_customer_without_category_matches_only_policies_without_categories() -> None:
    general = policy(1)
    by_category = policy(2, categories={"VIP"})
    by_kind = policy(3, kinds={"REPAIR"})
    assert select_policy([by_category], 2, "REPAIR", None) is None
    assert select_policy([general, by_category], 2, "REPAIR", None) is general
    assert select_policy([general, by_category, by_kind], 2, "REPAIR", None) is by_kind


def test_empty_sets_name_nothing() -> None:
    # An empty kinds/categories set is treated like None: any ticket.
    empty = PolicyTerms(id=1, severity=2, kinds=frozenset(), customer_categories=frozenset())
    assert select_policy([empty], 2, "INSTALLATION", None) is empty


BOTH = policy(1, kinds={"REPAIR"}, categories={"VIP"})
KIND_ONLY = policy(5, kinds={"REPAIR"})
CATEGORY_ONLY = policy(6, categories={"VIP"})
NEITHER = policy(9)


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        # Both named beats one named, even though the others are newer.
        ([NEITHER, CATEGORY_ONLY, KIND_ONLY, BOTH], BOTH),
        ([BOTH, NEITHER], BOTH),
        # One named beats none, whichever one it is.
        ([NEITHER, KIND_ONLY], KIND_ONLY),
        ([CATEGORY_ONLY, NEITHER], CATEGORY_ONLY),
        # Kind only vs category only are equally specific: the higher id (6) wins.
        ([CATEGORY_ONLY, KIND_ONLY], CATEGORY_ONLY),
        ([KIND_ONLY, CATEGORY_ONLY], CATEGORY_ONLY),
        ([NEITHER], NEITHER),
    ],
)
def test_the_most_specific_policy_wins(
    candidates: list[PolicyTerms], expected: PolicyTerms
) -> None:
    assert select_policy(candidates, 2, "REPAIR", "VIP") is expected


@pytest.mark.parametrize("order", [(3, 12, 7), (12, 7, 3), (7, 3, 12)])
def test_between_equals_the_higher_id_wins(order: tuple[int, int, int]) -> None:
    candidates = [policy(i, kinds={"REPAIR"}) for i in order]
    chosen = select_policy(candidates, 2, "REPAIR", None)
    assert chosen is not None
    assert chosen.id == 12


def test_a_more_specific_policy_that_does_not_apply_is_skipped() -> None:
    other_category = policy(10, kinds={"REPAIR"}, categories={"GOLD"})
    other_kind = policy(11, kinds={"INSTALLATION"})
    general = policy(2)
    chosen = select_policy([other_category, other_kind, general], 2, "REPAIR", "VIP")
    assert chosen is general


def test_no_policy_at_all() -> None:
    assert select_policy([], 2, "REPAIR", "VIP") is None


# --- check_targets ----------------------------------------------------------------------


def test_at_least_one_target() -> None:
    with pytest.raises(BadUserInput) as caught:
        check_targets(None, None, None, 0)
    assert caught.value.extensions["field"] == "responseMinutes"


@pytest.mark.parametrize(
    ("response", "on_site", "resolution", "warn_before"),
    [
        (60, None, None, 0),
        (60, None, None, 59),
        (None, 240, None, 30),
        (None, None, 1440, 1439),
        (30, 120, 480, 15),
        # Only the longest target bounds the warning: 60 is past the 30-minute
        # response target but before the 480-minute resolution target.
        (30, None, 480, 60),
        (1, None, None, 0),
    ],
)
def test_valid_targets_pass(
    response: int | None, on_site: int | None, resolution: int | None, warn_before: int
) -> None:
    assert check_targets(response, on_site, resolution, warn_before) is None


@pytest.mark.parametrize(
    ("response", "on_site", "resolution", "warn_before"),
    [
        (60, None, None, -1),
        (60, None, None, 60),  # equal to the only target
        (60, None, None, 61),
        (30, 120, 480, 480),  # equal to the longest
        (30, 120, 480, 1000),
        (None, 1, None, 1),
        (30, 120, 480, -5),
    ],
)
def test_warn_before_out_of_bounds(
    response: int | None, on_site: int | None, resolution: int | None, warn_before: int
) -> None:
    with pytest.raises(BadUserInput) as caught:
        check_targets(response, on_site, resolution, warn_before)
    assert caught.value.extensions["field"] == "warnBeforeMinutes"
