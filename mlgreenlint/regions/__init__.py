"""Cloud-region carbon intensity: the shipped table and the verdicts built on it."""
