"""Settings from the environment: a malformed value stops kinflow at start with its name."""

from __future__ import annotations

import ipaddress
import subprocess
import sys

import pytest

from kinflow.config import load_settings


def test_webhook_allowlist_is_parsed_once_into_networks():
    settings = load_settings({"KINFLOW_WEBHOOK_ALLOW": "127.0.0.0/8, ::1,10.1.2.3"})
    assert settings.webhook_networks == (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"),
                                         ipaddress.ip_network("10.1.2.3/32"))
    assert load_settings({}).webhook_networks == ()


def test_the_default_language_is_one_with_a_catalogue():
    for code in ("ja", "zh", "zh-TW"):
        assert load_settings({"KINFLOW_LANGUAGE": code}).language == code
    with pytest.raises(SystemExit, match="invalid KINFLOW_LANGUAGE"):
        load_settings({"KINFLOW_LANGUAGE": "th"})  # a user may read Thai kintone; kinflow has no Thai messages


@pytest.mark.parametrize(("name", "value"), [("KINFLOW_WEBHOOK_ALLOW", "10.0.0.0/33"),
                                             ("KINFLOW_PORT", "eighty"), ("KINFLOW_EXAMPLE_APP", "perhaps"),
                                             ("KINFLOW_TEST_CLOCK_OFFSET", "nan"),
                                             ("KINFLOW_TEST_CLOCK_OFFSET", "1e12")])
def test_malformed_values_stop_kinflow_at_start(name, value, tmp_path):
    with pytest.raises(SystemExit, match=f"invalid {name}"):
        load_settings({name: value})
    started = subprocess.run([sys.executable, "-m", "kinflow.cli", "serve"], capture_output=True, text=True,
                             timeout=60, env={"KINFLOW_DATA_DIR": str(tmp_path), name: value, "PATH": ""})
    assert started.returncode != 0 and f"invalid {name}" in started.stderr
