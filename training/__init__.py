"""Training and calibrating the reader (sits above qa and eval)."""
