"""Code-execution sandbox: server, isolation runner and client."""
