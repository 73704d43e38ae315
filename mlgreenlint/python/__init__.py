"""Python source analysis: bindings, values, training context, environment writes, the ast screen."""
