"""Column generation with exact pricing: the machinery behind the ``colgen`` strategy."""
