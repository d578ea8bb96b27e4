"""Chat, completion and agent apps: configuration, end users, conversations and generation."""
