"""Jobs of communities."""
