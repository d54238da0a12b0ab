"""chorus part."""
