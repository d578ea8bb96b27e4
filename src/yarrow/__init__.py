"""Yarrow: a self-hosted LLM application platform that keeps Dify's public contracts."""

__version__ = "0.1.0"
