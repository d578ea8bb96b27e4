"""Model runtime: providers for chat, embeddings and rerank."""
