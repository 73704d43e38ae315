"""Lint one file: the driver and the Python and config pattern runners."""
