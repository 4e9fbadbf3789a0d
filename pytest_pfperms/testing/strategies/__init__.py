"""The implementation behind :mod:`pytest_pfperms.strategies`; nothing here is public."""
