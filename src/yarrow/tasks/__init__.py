"""Task queue interface with Celery and in-process runners; schedules."""
