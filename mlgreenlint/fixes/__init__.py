"""Autofix: which fixes apply (policy), how edits rewrite a file's text (edits), how a file is
fixed over bounded passes and written back (session), and the rewrites rules build their
fixes from (python_edits for libcst, config_edits for YAML/JSON/TOML byte ranges)."""
