"""The one seed derivation: seeds are derived from names, so a result never depends on batch
order or composition."""

from __future__ import annotations

import hashlib


def derive_seed(*parts: object) -> int:
    """A 63-bit seed from ":"-joined parts (run seed, slot, round, participant id, ...)."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "little") & ((1 << 63) - 1)
