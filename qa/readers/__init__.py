"""Readers turn a question and retrieved passages into extracted answers."""
