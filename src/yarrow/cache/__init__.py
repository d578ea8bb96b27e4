"""Cache, locks, rate limits and pub/sub over Redis or in memory."""
