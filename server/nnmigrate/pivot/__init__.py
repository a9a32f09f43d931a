"""Framework-neutral pivot model: node classes and JSON round-trip."""
