"""Rule files: load, validate, stamp and select."""
