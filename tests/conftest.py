"""Hypothesis profiles for the whole suite (also copied into the Pyodide run).

``make test`` must give the same result on every machine for the same commit, so the
default profile is derandomized: each property test draws the same examples every time,
from a seed derived from the test itself, and no example database is read or written.
Exploration is a separate run (``make explore``): fresh randomness and many more
examples per test; whatever it finds is added to the suite as a fixed regression example,
never left to chance.

    HYPOTHESIS_PROFILE=explore EXPLORE_FACTOR=40 pytest tests/pysim
"""

import os

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "deterministic")
EXPLORE_FACTOR = int(os.environ.get("EXPLORE_FACTOR", "40"))

settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
if PROFILE not in ("deterministic", "explore"):
    raise RuntimeError(f"HYPOTHESIS_PROFILE={PROFILE!r}: use 'deterministic' (the default) or 'explore'")
# Loaded here, before any test module is imported, so that a test's own @settings(...)
# inherits derandomize and database from the profile.
settings.load_profile(PROFILE)


def _explored(current):
    """The test's own settings with EXPLORE_FACTOR times its example budget."""
    return settings(current, max_examples=current.max_examples * EXPLORE_FACTOR)


def pytest_collection_modifyitems(items):
    if PROFILE != "explore":
        return
    done = set()
    for item in items:
        cls = getattr(item, "cls", None)
        case = getattr(cls, "settings", None)
        if isinstance(case, settings) and cls.__name__.endswith("TestCase") and id(cls) not in done:
            done.add(id(cls))                # a RuleBasedStateMachine's TestCase
            cls.settings = _explored(case)
            continue
        fn = getattr(item, "obj", None)
        own = getattr(fn, "_hypothesis_internal_use_settings", None)
        if isinstance(own, settings) and id(fn) not in done:
            done.add(id(fn))
            fn._hypothesis_internal_use_settings = _explored(own)
