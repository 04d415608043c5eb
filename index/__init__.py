"""Everything up to a searchable, persisted index: load, chunk, embed, store."""
