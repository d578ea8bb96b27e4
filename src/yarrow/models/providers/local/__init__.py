"""The built-in ``local`` provider: llama.cpp child for chat, ONNX MiniLM for embeddings."""
