"""The configuration of chat, completion and agent-chat apps (Dify's ``model_config``).

Stored as JSON per app. Unknown keys are kept (so Dify DSL round-trips) but only the keys below
drive behaviour. ``model.provider`` empty means "the workspace's default chat model".
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from yarrow.errors import InvalidInput

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}")
FORM_CONTROLS = ("text-input", "paragraph", "select", "number", "checkbox", "file", "file-list")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Switch(_Open):
    """A feature that is on or off."""

    enabled: bool = False


class ModelRef(_Open):
    """Which model answers, and its completion parameters."""

    provider: str = ""
    name: str = ""
    mode: str = "chat"
    completion_params: dict[str, Any] = Field(default_factory=dict)


class SensitiveWords(_Open):
    """Keyword moderation: a query containing a keyword gets the preset answer."""

    enabled: bool = False
    type: str = "keywords"
    config: dict[str, Any] = Field(default_factory=dict)

    def keywords(self) -> list[str]:
        """The configured keywords (newline- or comma-separated in Dify's config)."""
        raw = self.config.get("keywords", "")
        items = raw if isinstance(raw, list) else re.split(r"[\n,]", str(raw))
        return [k.strip().lower() for k in items if str(k).strip()]

    def preset(self) -> str:
        """The answer given instead of calling the model."""
        inputs = self.config.get("inputs_config") or {}
        text = inputs.get("preset_response") if isinstance(inputs, dict) else None
        return str(text or "Your request contains content that is not allowed.")


class AppConfig(_Open):
    """Dify's model_config for chat, completion and agent-chat apps."""

    model: ModelRef = Field(default_factory=ModelRef)
    pre_prompt: str = Field(default="", max_length=100_000)
    user_input_form: list[dict[str, dict[str, Any]]] = Field(default_factory=list)
    opening_statement: str = Field(default="", max_length=10_000)
    suggested_questions: list[str] = Field(default_factory=list, max_length=20)
    suggested_questions_after_answer: Switch = Field(default_factory=Switch)
    speech_to_text: Switch = Field(default_factory=Switch)
    text_to_speech: Switch = Field(default_factory=Switch)
    retriever_resource: Switch = Field(default_factory=lambda: Switch(enabled=True))
    annotation_reply: Switch = Field(default_factory=Switch)
    more_like_this: Switch = Field(default_factory=Switch)
    sensitive_word_avoidance: SensitiveWords = Field(default_factory=SensitiveWords)
    file_upload: dict[str, Any] = Field(default_factory=dict)
    dataset_configs: dict[str, Any] = Field(default_factory=dict)
    agent_mode: dict[str, Any] = Field(default_factory=dict)

    def form_fields(self) -> list[tuple[str, dict[str, Any]]]:
        """``(control, spec)`` pairs of the user input form, in order."""
        fields = []
        for item in self.user_input_form:
            for control, spec in item.items():
                fields.append((control, spec))
        return fields


def parse_config(data: Any) -> AppConfig:
    """Validate a model_config object; raise InvalidInput naming the first bad field."""
    if not isinstance(data, dict):
        raise InvalidInput("model_config must be an object.", params="model_config")
    try:
        config = AppConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{where}: {first['msg']}", params=where) from exc
    for control, spec in config.form_fields():
        if control not in FORM_CONTROLS and control != "external_data_tool":
            raise InvalidInput(f"Unknown input control '{control}'.", params="user_input_form")
        if not isinstance(spec, dict) or not re.fullmatch(
            r"[A-Za-z_][A-Za-z0-9_]{0,63}", str(spec.get("variable", ""))
        ):
            raise InvalidInput(
                "Each input needs a valid 'variable' name.", params="user_input_form"
            )
    return config


def validate_inputs(config: AppConfig, inputs: Any) -> dict[str, Any]:
    """Check request ``inputs`` against the form as Dify does; returns the cleaned values.

    Raises:
        InvalidInput: a required input is missing, has the wrong type, is not one of a select's
            options or is longer than its ``max_length``.
    """
    if inputs is None:
        inputs = {}
    if not isinstance(inputs, dict):
        raise InvalidInput("inputs must be an object.", params="inputs")
    cleaned: dict[str, Any] = {}
    for control, spec in config.form_fields():
        name = str(spec["variable"])
        value = inputs.get(name)
        if value in (None, ""):
            if spec.get("required"):
                raise InvalidInput(f"{name} is required in input form", params="inputs")
            value = spec.get("default", "")
            cleaned[name] = value if value is not None else ""
            continue
        cleaned[name] = _check_value(control, spec, name, value)
    return cleaned


def _check_value(control: str, spec: dict[str, Any], name: str, value: Any) -> Any:
    if control == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidInput(f"{name} in input form must be a number", params="inputs")
        try:
            return float(value) if "." in str(value) else int(value)
        except ValueError as exc:
            raise InvalidInput(f"{name} in input form must be a number", params="inputs") from exc
    if control == "checkbox":
        return bool(value)
    if control in ("file", "file-list"):
        return value
    if not isinstance(value, str):
        raise InvalidInput(f"{name} in input form must be a string", params="inputs")
    if control == "select" and value not in (spec.get("options") or []):
        raise InvalidInput(
            f"{name} in input form must be one of the following: {spec.get('options')}",
            params="inputs",
        )
    limit = spec.get("max_length")
    if isinstance(limit, int) and limit > 0 and len(value) > limit:
        raise InvalidInput(
            f"{name} in input form must be less than {limit} characters", params="inputs"
        )
    return value


def render_prompt(template: str, values: dict[str, Any]) -> str:
    """Replace ``{{name}}`` with input values; unknown names become empty text."""
    return _VARIABLE.sub(lambda m: str(values.get(m.group(1), "")), template)


def parameters_json(config: AppConfig, limits: dict[str, int]) -> dict[str, Any]:
    """``GET /v1/parameters`` for this configuration."""
    file_upload = config.file_upload or {
        "image": {
            "enabled": False,
            "number_limits": 3,
            "detail": "high",
            "transfer_methods": ["remote_url", "local_file"],
        }
    }
    return {
        "opening_statement": config.opening_statement,
        "suggested_questions": config.suggested_questions,
        "suggested_questions_after_answer": config.suggested_questions_after_answer.model_dump(),
        "speech_to_text": config.speech_to_text.model_dump(),
        "text_to_speech": {
            "voice": "",
            "language": "",
            "autoPlay": "disabled",
            **config.text_to_speech.model_dump(),
        },
        "retriever_resource": config.retriever_resource.model_dump(),
        "annotation_reply": config.annotation_reply.model_dump(),
        "more_like_this": config.more_like_this.model_dump(),
        "sensitive_word_avoidance": {"enabled": config.sensitive_word_avoidance.enabled},
        "user_input_form": config.user_input_form,
        "file_upload": file_upload,
        "system_parameters": limits,
    }
