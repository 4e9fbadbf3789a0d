"""Built-in aws checks (filled in below)."""
