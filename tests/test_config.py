"""config.py: reading salesops.toml, ${ENV} expansion, and keeping secrets out of output."""

from __future__ import annotations

import pytest

from salesops_lib.config import (
    MASK,
    expand_env,
    load_config,
    mask,
    mask_url,
    public_config,
    secrets_of,
)
from salesops_lib.errors import ConfigError

# ----------------------------------------------------------------------------------------
# ${ENV} expansion

ENV = {"PW": "s3cret", "HOST": "db.internal", "EMPTY": ""}


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("${PW}", "s3cret"),
        ("postgresql://sales:${PW}@${HOST}/crm", "postgresql://sales:s3cret@db.internal/crm"),
        ("${PW}${PW}", "s3crets3cret"),
        ("[${EMPTY}]", "[]"),  # set but empty is fine
        ("$PW", "$PW"),  # no braces: not a reference
        ("${1PW}", "${1PW}"),  # not a variable name
        ("${PW", "${PW"),  # unclosed
        ("no references", "no references"),
    ],
)
def test_expand_env(text, expanded):
    assert expand_env(text, environ=ENV) == expanded


def test_expand_env_reads_the_process_environment(monkeypatch):
    monkeypatch.setenv("SALESOPS_TEST_VALUE", "from-env")
    assert expand_env("x=${SALESOPS_TEST_VALUE}") == "x=from-env"


def test_a_missing_variable_is_a_config_error_naming_it():
    with pytest.raises(ConfigError, match="environment variable NOT_SET_ANYWHERE is not set"):
        expand_env("${PW}/${NOT_SET_ANYWHERE}", environ=ENV)


# ----------------------------------------------------------------------------------------
# load_config

TOML = """
[data]
source = "exports/${REGION}/opportunities.csv"
password = "${SALESOPS_TEST_PW}"
preset = "salesforce"

[data.columns.opportunities]
"Deal Ref" = "opp_id"

[data.tables]
opportunities = "${REGION}_deals"

[fiscal]
start_month = 2
currency = "EUR"

[[stages]]
name = "Discovery"
probability = 0.25
"""


def test_load_config_reads_toml_and_expands_every_string(tmp_path, monkeypatch):
    monkeypatch.setenv("REGION", "emea")
    monkeypatch.setenv("SALESOPS_TEST_PW", "hunter2")
    path = tmp_path / "salesops.toml"
    path.write_text(TOML, encoding="utf-8")
    assert load_config(path) == {
        "data": {
            "source": "exports/emea/opportunities.csv",
            "password": "hunter2",
            "preset": "salesforce",
            "columns": {"opportunities": {"Deal Ref": "opp_id"}},
            "tables": {"opportunities": "emea_deals"},
        },
        "fiscal": {"start_month": 2, "currency": "EUR"},
        "stages": [{"name": "Discovery", "probability": 0.25}],
    }
    assert load_config(str(path))["data"]["password"] == "hunter2"  # a str path too


def test_load_config_of_none_is_empty():
    assert load_config(None) == {}


def test_load_config_of_a_dict_expands_a_copy(monkeypatch):
    monkeypatch.setenv("SALESOPS_TEST_PW", "hunter2")
    given = {"data": {"password": "${SALESOPS_TEST_PW}"}, "stages": [{"name": "${X"}]}
    assert load_config(given) == {"data": {"password": "hunter2"}, "stages": [{"name": "${X"}]}
    assert given["data"]["password"] == "${SALESOPS_TEST_PW}"  # the caller's dict untouched


def test_load_config_missing_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("SALESOPS_TEST_UNSET", raising=False)
    path = tmp_path / "salesops.toml"
    path.write_text('[data]\npassword = "${SALESOPS_TEST_UNSET}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="SALESOPS_TEST_UNSET is not set"):
        load_config(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[data\nsource = 1\n", "is not valid TOML"),  # unclosed table header
        (b'[data]\nsource = "a"\nsource = "b"\n', "is not valid TOML"),  # key given twice
        (b"[data]\nsource = exports\n", "is not valid TOML"),  # unquoted text
        (b'[data]\nsource = "caf\xe9"\n', "is not valid TOML"),  # latin-1, not UTF-8
    ],
)
def test_a_bad_toml_file_is_a_config_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / "broken.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=message) as err:
        load_config(path)
    assert "broken.toml" in str(err.value)


def test_a_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="nowhere.toml does not exist"):
        load_config(tmp_path / "nowhere.toml")


# ----------------------------------------------------------------------------------------
# secrets


def test_secrets_of_finds_secret_keys_and_url_passwords():
    config = {
        "data": {
            "password": "pw-1",
            "DB_Passwd": "pw-2",  # any case, anywhere in the key
            "api_key": "key-3",
            "apikey": "key-4",
            "oauth_token": "tok-5",
            "client_secret": "sec-6",
            "credentials": ["cred-7", "cred-8"],  # a list under a secret key
            "empty_password": "",  # nothing to mask
            "warehouse": "postgresql://analyst:url-9@db/crm",  # a URL under any key
            "user": "analyst",  # not a secret
        }
    }
    found = secrets_of(config, "mysql://etl:src-10@h/db")
    assert set(found) == {
        "pw-1",
        "pw-2",
        "key-3",
        "key-4",
        "tok-5",
        "sec-6",
        "cred-7",
        "cred-8",
        "url-9",
        "src-10",
    }
    assert [len(s) for s in found] == sorted((len(s) for s in found), reverse=True)


def test_secrets_of_a_config_without_secrets():
    assert secrets_of({"data": {"source": "data/demo", "user": "analyst"}}, "data/demo") == []


def test_a_secret_containing_another_is_masked_whole():
    secrets = secrets_of({"a": {"password": "abc"}, "b": {"token": "abcdef"}})
    assert secrets == ["abcdef", "abc"]
    assert mask("token abcdef, password abc", secrets) == "token ***, password ***"


@pytest.mark.parametrize(
    ("text", "secrets", "masked"),
    [
        ("login failed for hunter2", ["hunter2"], "login failed for ***"),
        ("hunter2 and hunter2 again", ["hunter2"], "*** and *** again"),
        # a URL's password is masked even when the list does not name it
        ("cannot reach postgresql://u:pw@db/crm", [], "cannot reach postgresql://u:***@db/crm"),
        ("no secret here", ["hunter2"], "no secret here"),
        ("", ["hunter2"], ""),
    ],
)
def test_mask(text, secrets, masked):
    assert mask(text, secrets) == masked


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://sales:s3cret@db:5432/crm", "postgresql://sales:***@db:5432/crm"),
        ("postgresql+psycopg://sales:p%40ss@db/crm", "postgresql+psycopg://sales:***@db/crm"),
        ("postgresql://sales@db/crm", "postgresql://sales@db/crm"),  # no password
        ("sqlite:///data/crm.sqlite", "sqlite:///data/crm.sqlite"),
        ("data/demo", "data/demo"),  # not a URL
        ("http://[::1", "http://[::1"),  # unparseable: unchanged, no exception
    ],
)
def test_mask_url(url, masked):
    assert mask_url(url) == masked
    assert MASK == "***"


def test_public_config_masks_secrets_and_url_passwords():
    config = {
        "data": {
            "source": "postgresql://analyst:pw@db/crm",
            "password": "hunter2",
            "tokens": ["t1", "t2"],
            "columns": {"opportunities": {"Deal Ref": "opp_id"}},
        },
        "fiscal": {"start_month": 2},
        "stages": [{"name": "Discovery", "probability": 0.25}],
    }
    assert public_config(config) == {
        "data": {
            "source": "postgresql://analyst:***@db/crm",
            "password": "***",
            "tokens": ["***", "***"],
            "columns": {"opportunities": {"Deal Ref": "opp_id"}},
        },
        "fiscal": {"start_month": 2},
        "stages": [{"name": "Discovery", "probability": 0.25}],
    }
    assert config["data"]["password"] == "hunter2"  # the input is not changed


@pytest.mark.parametrize(
    ("value", "shown"), [(123456, "***"), (12.5, "***"), (True, True), (False, False)]
)
def test_public_config_masks_secrets_that_are_numbers(value, shown):
    # TOML reads `password = 123456` as a number; the loader uses it as the password
    assert public_config({"data": {"password": value, "port": 5432}}) == {
        "data": {"password": shown, "port": 5432}
    }
