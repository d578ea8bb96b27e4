"""Errors of the task queue; each subclasses one category of the error tree."""

from __future__ import annotations

from yarrow.errors import ConfigurationError, InvalidInput, NotFound, UpstreamUnavailable


class UnknownTask(NotFound):
    """No task is registered under this name."""

    code = "unknown_task"
    default_message = "No such task."


class InvalidTaskArguments(InvalidInput):
    """Task arguments must be a JSON object of JSON values."""

    code = "invalid_task_arguments"
    default_message = "Task arguments must be a JSON object."


class TaskRegistrationError(ConfigurationError):
    """A task or schedule was registered twice or with invalid options."""


class BrokerUnavailable(UpstreamUnavailable):
    """The broker did not answer; a task that was recorded is published later by recovery."""

    code = "broker_unavailable"
    default_message = "The task broker is unavailable."


class PermanentTaskError(Exception):
    """Raised by a task handler to fail the task without retrying it."""


class TaskTimeLimitExceeded(Exception):
    """An attempt ran past its time limit."""
