"""Repository-level pytest configuration for pytest-pfperms's own test suite.

Hypothesis profiles for the property tests (``tests/test_properties_*.py``):

- ``ci`` (the default): 60 examples per property, derandomized, so every run draws
  the same examples and CI stays within its time budget; no deadline.
- ``thorough``: 2,000 examples per property from a random seed, for a long local
  run: ``pytest --hypothesis-profile=thorough`` (or ``HYPOTHESIS_PROFILE=thorough``).

The command-line option works because pytest imports this file (an initial conftest,
at the rootdir) before Hypothesis's pytest plugin runs its ``pytest_configure`` hook,
which is where it loads the profile named by ``--hypothesis-profile``; the
``load_profile`` call below only chooses the default.
"""

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("thorough", max_examples=2000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
