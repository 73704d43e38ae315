"""The rule vocabulary: three-valued predicates over call sites and config nodes."""
