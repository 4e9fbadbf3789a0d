"""Terraform's built-in functions, one module per family; ``table`` is what the evaluator calls."""
