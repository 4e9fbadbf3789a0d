"""Built-in vault checks (filled in below)."""
