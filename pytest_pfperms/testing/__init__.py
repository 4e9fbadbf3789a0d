"""The faces inside pytest: the plugin, assertions, invariants (``forall``), the question
space and the Hypothesis strategies' machinery (public as :mod:`pytest_pfperms.strategies`).

May import every other room; nothing but the top-level faces imports it.
"""
