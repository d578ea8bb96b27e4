"""Plugin daemon settings (Dify §3.10 names)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from yarrow.settings.base import SettingsGroup


class PluginSettings(SettingsGroup):
    """Where the plugin daemon is and the keys both sides share."""

    plugin_daemon_url: str = Field(default="http://127.0.0.1:5002", description="Daemon URL.")
    plugin_daemon_key: SecretStr = Field(default=SecretStr(""), description="Daemon key.")
    inner_api_key_for_plugin: SecretStr = Field(default=SecretStr(""), description="Inner key.")
