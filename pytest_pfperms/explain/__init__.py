"""Decisions rendered as text: grant paths for an allow, near misses for a denial.

Imports the engines and ``model``; the engines never import it.
"""
