"""Repository-level pytest configuration for pytest-pfperms's own test suite."""

import os
import tempfile

from hypothesis import settings

# The test suite gets a parse/result cache of its own, never the user's.
os.environ.setdefault("PFPERMS_CACHE_DIR", tempfile.mkdtemp(prefix="pfperms-test-cache-"))

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
