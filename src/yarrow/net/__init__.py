"""The SSRF-guarded HTTP client: the only way to fetch a user-supplied URL."""
