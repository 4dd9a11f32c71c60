"""Indexing: ``t[...]`` (basic, advanced, boolean), ``t[...] = v``, gather, scatter,
index_select, masked_fill, index_add."""
