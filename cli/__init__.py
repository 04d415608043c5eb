"""The command line, `python -m qa ...`: the top layer, above everything it dispatches to."""
