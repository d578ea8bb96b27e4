"""Service API (``/v1``): Dify's public API, authenticated by app and knowledge keys."""
