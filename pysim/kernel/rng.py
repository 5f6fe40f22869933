"""Seeded randomness, forked into named independent streams.

Each component asks for its own stream by name, so adding a consumer never changes
the choices a producer makes. Streams are derived with SHA-256 (not ``hash()``,
which is salted per process), so they are the same in CPython and Pyodide.
"""

import hashlib
import random


class Rng:
    """A root seed and the named streams forked from it."""

    def __init__(self, seed: int = 0):
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {seed!r}")
        self.seed = seed
        self._streams: dict[str, random.Random] = {}

    def stream(self, name: str) -> random.Random:
        """The stream called ``name``: created on first use, then the same object."""
        if not isinstance(name, str) or not name:
            raise ValueError("a random stream needs a non-empty name")
        found = self._streams.get(name)
        if found is None:
            found = random.Random(derive_seed(self.seed, name))
            self._streams[name] = found
        return found


def derive_seed(seed: int, name: str) -> int:
    """A 64-bit seed for stream ``name``, stable across processes and platforms."""
    digest = hashlib.sha256(f"{seed}/{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")
