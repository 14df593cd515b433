"""Largest-remainder apportionment: one integer total split in proportion to weights, summing exactly.

Used for the register's populations (geo.build_register) and for the card quotas down every level
(db.reference)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction


def largest_remainder(total: int, weights: Mapping[str, int] | Mapping[str, Fraction]) -> dict[str, int]:
    """Split `total` over the keys of `weights` (integers or fractions) so that the parts sum exactly to it.

    Each key gets the floor of its exact quota; the units left over go to the largest remainders, ties
    to the lower key, so the result is deterministic. Exact arithmetic throughout; integer weights stay
    integers (no Fraction per key: this runs for every district and commune at init-db). All weights
    zero: every part is 0."""
    weight_sum = sum(weights.values())
    if weight_sum == 0:
        return {key: 0 for key in weights}
    shares = {key: int(total * w // weight_sum) for key, w in weights.items()}
    leftover = total - sum(shares.values())
    by_remainder = sorted(weights, key=lambda key: (-(total * weights[key] % weight_sum), key))
    for key in by_remainder[:leftover]:
        shares[key] += 1
    return shares
