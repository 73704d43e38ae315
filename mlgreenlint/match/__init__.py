"""The rule vocabulary: three-valued predicates over call sites and config nodes
(`predicates`), qualified-name matching without a parser (`names`), and Protocols for what
the predicates ask of the linted file and the repository pass (`files`)."""
