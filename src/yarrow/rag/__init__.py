"""Retrieval-augmented generation: extract, clean, split, embed, index; retrieve, fuse, rerank."""
