"""Built-in kubernetes checks (filled in below)."""
