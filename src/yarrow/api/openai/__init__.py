"""OpenAI-compatible surface (``/openai/v1``): each app as a chat-completions endpoint."""
