"""The HCL language, independent of what Terraform builds with it.

The AST (``syntax_tree``), native and JSON syntax readers, templates, evaluation with scopes,
values and symbols, type constraints, the built-in functions (``functions/``, one module per
family), the file sandbox behind the file functions, and the parse cache. Imports the core
only; ``sources.terraform`` builds on it.
"""
