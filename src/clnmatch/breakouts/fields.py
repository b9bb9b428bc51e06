"""Finite fields GF(p^k) and their direct products, as addition and multiplication tables.

The designs of ``clnmatch.breakouts.designs`` need arithmetic over GF(q) for small prime
powers q (affine planes, transversal designs). Elements are the integers 0..q-1: the
polynomial ``c0 + c1 x + ... + c(k-1) x^(k-1)`` over GF(p) is the number
``c0 + c1 p + ... + c(k-1) p^(k-1)``, and products are reduced modulo the first monic
irreducible polynomial of degree k (found by trial division, instant for q <= 1024).
Tables cost q^2 entries: 1 MB of int32 for q = 512, so orders stop at ``MAX_ORDER``.

``ProductRing`` is the direct product GF(q1) x ... x GF(qm): not a field, but its elements
(c, c, ..., c) for c < min(qi) have pairwise differences that are units, which is all
MacNeish's construction of mutually orthogonal Latin squares (and so transversal designs of
order q1*...*qm) needs.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from clnmatch.errors import InvalidParameterError

__all__ = [
    "MAX_ORDER",
    "GaloisField",
    "ProductRing",
    "prime_power",
    "prime_power_factors",
    "galois_field",
    "product_ring",
]

MAX_ORDER = 1024


def _is_prime(p: int) -> bool:
    return p >= 2 and all(p % d for d in range(2, int(p**0.5) + 1))


def prime_power(q: int) -> tuple[int, int] | None:
    """``(p, k)`` with ``q == p**k`` and p prime, or None when q is no prime power."""
    if q < 2:
        return None
    for p in range(2, q + 1):
        if q % p == 0:
            if not _is_prime(p):  # pragma: no cover - the smallest divisor is prime
                return None
            k, rest = 0, q
            while rest % p == 0:
                rest //= p
                k += 1
            return (p, k) if rest == 1 else None
    return None  # pragma: no cover


def prime_power_factors(n: int) -> list[int]:
    """The prime-power factors of n (12 -> [4, 3]), largest prime first is not promised."""
    factors, rest, p = [], n, 2
    while rest > 1 and p * p <= rest:
        if rest % p == 0:
            power = 1
            while rest % p == 0:
                rest //= p
                power *= p
            factors.append(power)
        p += 1
    if rest > 1:
        factors.append(rest)
    return factors


def _poly_mod(a: list[int], m: list[int], p: int) -> list[int]:
    """a mod m over GF(p); polynomials as coefficient lists, lowest degree first; m monic."""
    a = a[:]
    while len(a) >= len(m):
        lead = a[-1] % p
        if lead:
            shift = len(a) - len(m)
            for i, c in enumerate(m):
                a[shift + i] = (a[shift + i] - lead * c) % p
        a.pop()
    return a


def _irreducible(p: int, k: int) -> list[int]:
    """The first monic irreducible polynomial of degree k over GF(p) (coefficients, low first)."""
    if k == 1:
        return [0, 1]
    for tail in itertools.product(range(p), repeat=k):
        if tail[0] == 0:
            continue  # divisible by x
        poly = [*tail, 1]
        if all(
            any(_poly_mod(poly, [*low, 1], p))
            for d in range(1, k // 2 + 1)
            for low in itertools.product(range(p), repeat=d)
        ):
            return poly
    raise AssertionError(
        f"no irreducible polynomial of degree {k} over GF({p})"
    )  # pragma: no cover


@dataclass(frozen=True, eq=False)
class GaloisField:
    """GF(q) as tables: ``add[a, b]``, ``mul[a, b]``, ``neg[a]``, ``inv[a]`` (inv[0] = -1)."""

    order: int
    prime: int
    degree: int
    add: NDArray[np.int32]
    mul: NDArray[np.int32]
    neg: NDArray[np.int32]
    inv: NDArray[np.int32]

    def sub(self, a: int, b: int) -> int:
        return int(self.add[a, self.neg[b]])


def _check_order(q: int, owner: str) -> None:
    if not 2 <= q <= MAX_ORDER:
        raise InvalidParameterError.for_value("q", owner, f"an integer 2..{MAX_ORDER}", q)


@functools.cache
def galois_field(q: int) -> GaloisField:
    """GF(q) for a prime power q <= MAX_ORDER."""
    _check_order(q, "galois_field")
    found = prime_power(q)
    if found is None:
        raise InvalidParameterError.for_value("q", "galois_field", "a prime power", q)
    p, k = found
    digits = np.array([[(e // p**i) % p for i in range(k)] for e in range(q)], dtype=np.int64)
    weights = p ** np.arange(k, dtype=np.int64)
    add = (((digits[:, None, :] + digits[None, :, :]) % p) @ weights).astype(np.int32)
    modulus = np.array(_irreducible(p, k)[:k], dtype=np.int64)
    # powers[i, a] = the digits of a * x^i: multiply by x = shift up, reduce the carry
    powers = np.empty((k, q, k), dtype=np.int64)
    powers[0] = digits
    for i in range(1, k):
        carry = powers[i - 1][:, k - 1 : k]
        shifted = np.concatenate([np.zeros((q, 1), dtype=np.int64), powers[i - 1][:, : k - 1]], 1)
        powers[i] = (shifted - carry * modulus[None, :]) % p
    # a * b = sum over i of b_i * (a * x^i)
    product = np.einsum("bi,iak->abk", digits, powers) % p
    mul = (product @ weights).astype(np.int32)
    neg = np.array([int(np.flatnonzero(add[a] == 0)[0]) for a in range(q)], dtype=np.int32)
    inv = np.full(q, -1, dtype=np.int32)
    for a in range(1, q):
        inv[a] = int(np.flatnonzero(mul[a] == 1)[0])
    return GaloisField(q, p, k, add, mul, neg, inv)


@dataclass(frozen=True, eq=False)
class ProductRing:
    """GF(q1) x ... x GF(qm) as tables over the integers 0..order-1 (mixed radix)."""

    order: int
    factors: tuple[int, ...]
    add: NDArray[np.int32]
    mul: NDArray[np.int32]
    neg: NDArray[np.int32]

    @property
    def unit_spread(self) -> int:
        """How many elements with pairwise unit differences ``diagonal`` offers: min(qi)."""
        return min(self.factors)

    def diagonal(self, c: int) -> int:
        """The element (c, c, ..., c); differences of two such are units (c < unit_spread)."""
        value, radix = 0, 1
        for q in self.factors:
            value += c * radix
            radix *= q
        return value


@functools.cache
def product_ring(n: int) -> ProductRing:
    """The product of the fields of n's prime-power factors (a field when n is a prime power)."""
    _check_order(n, "product_ring")
    factors = tuple(sorted(prime_power_factors(n), reverse=True))
    fields = [galois_field(q) for q in factors]
    radix = np.cumprod([1, *factors[:-1]])
    parts = np.array(
        [[(e // int(r)) % q for r, q in zip(radix, factors, strict=True)] for e in range(n)]
    )
    add = np.zeros((n, n), dtype=np.int64)
    mul = np.zeros((n, n), dtype=np.int64)
    for j, field in enumerate(fields):
        a, b = parts[:, j][:, None], parts[:, j][None, :]
        add += field.add[a, b].astype(np.int64) * int(radix[j])
        mul += field.mul[a, b].astype(np.int64) * int(radix[j])
    neg = np.array([int(np.flatnonzero(add[a] == 0)[0]) for a in range(n)], dtype=np.int32)
    return ProductRing(n, factors, add.astype(np.int32), mul.astype(np.int32), neg)
