"""The workbench configuration (``salesops.toml``) and secret handling.

A config file looks like::

    [data]
    source = "exports/opportunities.csv"   # folder, CSV file, DuckDB file or SQLAlchemy URL
    preset = "salesforce"                  # maven_crm, salesforce, hubspot, or omit
    password = "${SALESOPS_DB_PASSWORD}"   # read from the environment, never written out

    [data.columns.opportunities]           # your column label -> canonical column
    "Deal Ref" = "opp_id"

    [fiscal]
    start_month = 2
    currency = "USD"

    [[stages]]                              # in order, each with its closed/won meaning
    name = "Discovery"
    closed = false
    won = false

    [report]
    teams = true                            # salesops report also renders each team's pages

``${NAME}`` anywhere in a string is replaced by the environment variable ``NAME``.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from salesops_lib.errors import ConfigError

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SECRET_KEYS = re.compile(r"(password|passwd|secret|token|api_?key|credential)", re.IGNORECASE)
MASK = "***"
CONFIG_KEYS: dict[str, tuple[str, ...]] = {
    "data": (
        "source",
        "preset",
        "password",
        "columns",
        "tables",
        "currency",
        "history_quarters",
        "history",
        "migrated_records",
        "export_date",
    ),
    "fiscal": ("start_month", "currency"),
    "stages": ("name", "closed", "won", "probability"),
    "comp": ("plans",),
    "territory": (
        "band",
        "alternative_band",
        "locked_accounts",
        "allow_cross_region",
        "time_limit",
    ),
    "report": ("teams",),
}
"""Every section of ``salesops.toml`` and the keys it may hold (``[[stages]]``: each entry's).

``[data.columns.<table>]`` and ``[data.tables]`` hold the user's own labels and are not
checked; ``[[comp.plans]]`` entries are checked by :meth:`~salesops_lib.analysis.comp.CompPlan.from_dict`.
"""


def check_names(given: Iterable[str], valid: Iterable[str], what: str) -> None:
    """Raise when a name is not one of the valid ones; the message lists them.

    Parameters
    ----------
    given
        The names asked for (config keys, method names, ...).
    valid
        The names allowed, in the order the message lists them.
    what
        What the names are, for the message, e.g. ``"forecast method"`` or
        ``"key of [fiscal]"``.

    Raises
    ------
    ConfigError
        Naming each unknown name (with the closest valid one, when one is close) and
        listing the valid ones.

    Examples
    --------
    >>> check_names(["treshold"], ["threshold", "cap"], "key of comp plan 'AE'")
    Traceback (most recent call last):
    ...
    salesops_lib.errors.ConfigError: unknown key of comp plan 'AE' 'treshold' (did you mean 'threshold'?); valid: threshold, cap
    """
    allowed = [str(v) for v in valid]
    unknown = [str(g) for g in given if str(g) not in allowed]
    if not unknown:
        return
    named = []
    for u in unknown:
        close = difflib.get_close_matches(u, allowed, n=1)
        named.append(f"{u!r} (did you mean {close[0]!r}?)" if close else repr(u))
    raise ConfigError(f"unknown {what} {', '.join(named)}; valid: {', '.join(allowed)}")


def check_config(config: Mapping[str, Any]) -> None:
    """Raise when a config has a section or key the workbench does not read.

    Parameters
    ----------
    config
        A config as :func:`load_config` reads it (sections and keys of
        :data:`CONFIG_KEYS`).

    Raises
    ------
    ConfigError
        Naming the unknown section or key and listing the valid ones, so a misspelt key
        (``start_mnth``) is not silently ignored.

    Examples
    --------
    >>> check_config({"fiscal": {"start_month": 2}, "stages": [{"name": "Won", "won": True}]})
    """
    check_names(config, CONFIG_KEYS, "section of salesops.toml")
    for section, keys in CONFIG_KEYS.items():
        value = config.get(section)
        tables = value if isinstance(value, list) else [value]
        for table in tables:
            if isinstance(table, Mapping):
                check_names(table, keys, f"key of [{section}]")


def expand_env(value: str, *, environ: dict[str, str] | None = None) -> str:
    """Replace ``${NAME}`` with the environment variable ``NAME``.

    Parameters
    ----------
    value
        Text; ``$NAME`` without braces, and ``${...}`` that is not a variable name, are
        left as they are.
    environ
        The variables to use (default: the process environment).

    Returns
    -------
    str

    Raises
    ------
    ConfigError
        If a referenced variable is not set.

    Examples
    --------
    >>> expand_env("postgresql://sales:${PW}@db/crm", environ={"PW": "s3cret"})
    'postgresql://sales:s3cret@db/crm'
    """
    env = os.environ if environ is None else environ

    def _sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in env:
            raise ConfigError(f"environment variable {name} is not set (used in the config)")
        return env[name]

    return _ENV.sub(_sub, value)


def load_config(path: str | Path | Mapping[str, Any] | None) -> dict[str, Any]:
    """Read a TOML config file; ``None`` gives an empty config.

    Parameters
    ----------
    path
        A ``salesops.toml``, or a config already read (a mapping, copied, never changed),
        or None.

    Returns
    -------
    dict
        The config with every environment reference (``${NAME}``) in its strings expanded.

    Raises
    ------
    ConfigError
        If the file is missing or is not valid TOML (the message names the file and the
        line), has a section or key the workbench does not read (:func:`check_config`), or a
        referenced environment variable is not set.

    Examples
    --------
    >>> load_config({"fiscal": {"start_month": 2}})
    {'fiscal': {'start_month': 2}}
    """
    if path is None:
        return {}
    if isinstance(path, Mapping):
        check_config(path)
        return _expand(copy.deepcopy(dict(path)))
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {p} does not exist")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {p} is not valid TOML: {exc}") from None
    try:
        check_config(raw)
    except ConfigError as exc:
        raise ConfigError(f"config file {p}: {exc}") from None
    return _expand(raw)


def _expand(obj: Any) -> Any:
    if isinstance(obj, str):
        return expand_env(obj)
    if isinstance(obj, dict):
        return {k: _expand(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_expand(v) for v in obj]
    return obj


def secrets_of(config: dict[str, Any], source: str | None = None) -> list[str]:
    """Every secret value in a config and a source URL, for masking.

    Parameters
    ----------
    config
        A config as :func:`load_config` returns it. Secrets are the text values under keys
        matching :data:`SECRET_KEYS` (password, token, api_key, ...) and the password of
        any URL in it.
    source
        A data source (a URL's password is a secret too).

    Returns
    -------
    list of str
        Distinct, longest first (so that a secret containing another is masked whole).

    Examples
    --------
    >>> secrets_of({"data": {"api_key": "key-1"}}, "postgresql://u:pw@db/x")
    ['key-1', 'pw']
    """
    found: list[str] = []

    def walk(obj: Any, key: str = "") -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, str(k))
        elif isinstance(obj, list):
            for v in obj:
                walk(v, key)
        elif isinstance(obj, str):
            if SECRET_KEYS.search(key) and obj:
                found.append(obj)
            found.extend(_url_passwords(obj))

    walk(config)
    if source:
        found.extend(_url_passwords(str(source)))
    # longest first so a secret containing another is masked whole
    return sorted({s for s in found if s}, key=len, reverse=True)


def _url_passwords(text: str) -> list[str]:
    if "://" not in text:
        return []
    try:
        parts = urlsplit(text)
        pw = parts.password
    except ValueError:
        return []
    return [pw] if pw else []


def mask_url(url: str) -> str:
    """A URL with its password replaced by ``***``.

    Parameters
    ----------
    url
        Any text; text without ``://``, a URL without a password and one that cannot be
        parsed are returned unchanged.

    Returns
    -------
    str

    Examples
    --------
    >>> mask_url("postgresql://sales:s3cret@db:5432/crm")
    'postgresql://sales:***@db:5432/crm'
    """
    if "://" not in url:
        return url
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", f":{MASK}@")
    return parts._replace(netloc=netloc).geturl()


def mask(text: str, secrets: list[str]) -> str:
    """``text`` with every secret (and every URL password) replaced by ``***``.

    Parameters
    ----------
    text
        Any text, such as an error message.
    secrets
        Values to hide (see :func:`secrets_of`), replaced in the given order.

    Returns
    -------
    str

    Examples
    --------
    >>> mask("token abc123 for mysql://u:pw@h/db", ["abc123"])
    'token *** for mysql://u:***@h/db'
    """
    out = text
    for s in secrets:
        out = out.replace(s, MASK)
    return re.sub(r"(\w+://[^:/@\s]+:)([^@\s]+)(@)", rf"\1{MASK}\3", out)


def public_config(config: dict[str, Any]) -> dict[str, Any]:
    """A copy of the config safe to write into reports: secrets masked.

    Parameters
    ----------
    config
        A config (not changed).

    Returns
    -------
    dict
        The same structure; text and numbers under keys matching :data:`SECRET_KEYS`
        become ``***`` (booleans are kept: a flag is no secret) and URL passwords in other
        text are masked.

    Examples
    --------
    >>> public_config({"data": {"password": "pw", "source": "postgresql://u:pw@h/db"}})
    {'data': {'password': '***', 'source': 'postgresql://u:***@h/db'}}
    """

    def walk(obj: Any, key: str = "") -> Any:
        if isinstance(obj, dict):
            return {k: walk(v, str(k)) for k, v in obj.items()}
        if isinstance(obj, list):
            return [walk(v, key) for v in obj]
        if isinstance(obj, str):
            if SECRET_KEYS.search(key):
                return MASK
            return mask_url(obj)
        if isinstance(obj, int | float) and not isinstance(obj, bool) and SECRET_KEYS.search(key):
            return MASK  # TOML reads `password = 123456` as a number, and it is still the password
        return obj

    return walk(config)
