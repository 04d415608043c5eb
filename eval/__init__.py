"""Question sets, metrics and the evaluation runner."""
