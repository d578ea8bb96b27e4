"""Plugin daemon, plugin protocol and client."""
