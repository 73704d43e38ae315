"""The rule vocabulary: three-valued predicates over call sites and config nodes
(`predicates`), the call sites and arguments they judge (`sites`), qualified-name matching
without a parser (`names`), and Protocols for what the predicates ask of the linted file and
the repository pass (`files`). Nothing here imports libcst: a run that lints only config
files never loads it."""
