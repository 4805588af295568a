"""Which SLA policy applies to a ticket: the most specific active one.

Severity must match; kinds and customer categories, when a policy names them, must
contain the ticket's. A policy naming both is more specific than one naming one, which
is more specific than one naming neither; between equals, the newest wins (an admin who
adds a policy expects it to apply).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.errors import BadUserInput


@dataclass(frozen=True, slots=True)
class PolicyTerms:
    id: int
    severity: int
    kinds: frozenset[str] | None
    customer_categories: frozenset[str] | None
    active: bool = True


def applies(policy: PolicyTerms, severity: int, kind: str, category: str | None) -> bool:
    if not policy.active or policy.severity != severity:
        return False
    if policy.kinds and kind not in policy.kinds:
        return False
    return not (policy.customer_categories and category not in policy.customer_categories)


def specificity(policy: PolicyTerms) -> tuple[int, int]:
    return (bool(policy.kinds) + bool(policy.customer_categories), policy.id)


def select_policy(
    policies: Iterable[PolicyTerms], severity: int, kind: str, category: str | None
) -> PolicyTerms | None:
    matching = [p for p in policies if applies(p, severity, kind, category)]
    return max(matching, key=specificity, default=None)


def check_targets(
    response: int | None, on_site: int | None, resolution: int | None, warn_before: int
) -> None:
    """At least one target; the warning comes before the longest one (a target shorter
    than the warning warns as soon as its clock starts)."""
    given = [m for m in (response, on_site, resolution) if m is not None]
    if not given:
        raise BadUserInput(
            "give at least one of responseMinutes, onSiteMinutes, resolutionMinutes",
            field="responseMinutes",
        )
    if not 0 <= warn_before < max(given):
        raise BadUserInput(
            "must be 0 or more and less than the longest target", field="warnBeforeMinutes"
        )
