"""Graph engine and nodes; knows nothing of HTTP, SQL or Celery."""
