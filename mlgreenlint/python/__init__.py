"""Python source analysis, below the repository pass and above `match/`.

Shared words, no parser: `vocabulary` (training names, HF parsers, environment setters),
`imports` (relative imports, module names), `frames`, `scopes` (the records of one read),
`seams` (Protocols for what the analysis asks of the repository pass).
On libcst: `bindings` (scopes and name resolution), `values` (constant folding), `environ`
(environment writes as call sites), `context` (FileContext: sites, helpers, training steps,
batch loops) with `guards` and `training_flow` mixed in, `reach` (what runs when executed).
On CPython's `ast`, before libcst: `sketch` (one walk), `sketch_training`, `helper_sketches`,
`screen` (which rules may fire); `context_keys` holds each context key's test on both.
"""
