"""ML config files: what kind a file is, and position-aware YAML, JSON and TOML documents."""
