"""The question side: retrieve passages, read answers, cite them."""
