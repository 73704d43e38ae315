"""The repository around a file: module index, launch commands, pins, module summaries."""
