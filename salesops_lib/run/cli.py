"""The ``salesops`` command: thin wrappers around the library.

Exit status: 0 success; 1 the data has blocking problems or a report failed; 2 the command
could not start or finish (bad arguments, unreadable data or config, another run writing to
the same reports folder, a folder or disk that cannot be written); 128 + the signal when
stopped (143 SIGTERM, 130 SIGINT), with nothing published. Errors are one line each, never
a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import pandas as pd

from salesops_lib.config import load_config, mask, mask_url, secrets_of
from salesops_lib.errors import ConfigError, SalesOpsError
from salesops_lib.run.results import NotebookResult, RunResult
from salesops_lib.run.stop import RunStopped

DEFAULT_DEMO = Path("data/demo")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``salesops`` console script.

    Parameters
    ----------
    argv
        The arguments (default: the command line's).

    Returns
    -------
    int
        The exit status (see the module's docstring).
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    secrets: list[str] = []
    try:
        src = getattr(args, "source", None) or getattr(args, "data", None)
        cfg_path = getattr(args, "config", None)
        try:
            secrets = secrets_of(
                load_config(cfg_path) if cfg_path else {}, str(src) if src else None
            )
        except SalesOpsError:
            secrets = secrets_of({}, str(src) if src else None)
        return int(args.func(args))
    except SalesOpsError as exc:
        print(f"error: {mask(str(exc), secrets)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except RunStopped as exc:
        out = getattr(args, "out", None)
        print(
            f"stopped by {exc.signal_name}: nothing was published"
            + (f"; the reports in {out} are as they were" if out else ""),
            file=sys.stderr,
        )
        return exc.exit_status
    except Exception as exc:  # noqa: BLE001 - a clear line instead of a traceback
        print(f"error: {type(exc).__name__}: {mask(str(exc), secrets)[:300]}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="salesops", description="Open, reproducible sales-operations reports."
    )
    sub = p.add_subparsers(dest="command")

    d = sub.add_parser("demo-data", help="write the synthetic demo company")
    d.add_argument(
        "out", nargs="?", default=str(DEFAULT_DEMO), help="folder to write (default data/demo)"
    )
    d.add_argument("--size", choices=["small", "large"], default="small")
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--format", choices=["csv", "parquet"], default="csv")
    d.set_defaults(func=_demo)

    s = sub.add_parser(
        "schema", help="list every canonical table and column (type, required, meaning, reports)"
    )
    s.add_argument("table", nargs="?", help="one table only (e.g. opportunities)")
    s.set_defaults(func=_schema)

    v = sub.add_parser(
        "validate",
        help="check a data source: the mapping applied, every unmapped column, every problem",
    )
    v.add_argument(
        "source",
        nargs="?",
        help="folder, CSV export, DuckDB file or database URL (default: the config's [data] source)",
    )
    v.add_argument("--preset", choices=["maven_crm", "salesforce", "hubspot"])
    v.add_argument("--config", help="salesops.toml")
    v.set_defaults(func=_validate)

    r = sub.add_parser(
        "report",
        help="render every report for a quarter",
        description="Render every report for a quarter into OUT/<quarter>/. One run at a time "
        "writes to an output folder: a second run into the same folder refuses at once, naming "
        "the process that holds OUT/.salesops-report.lock (exit 2); the lock goes with its "
        "process, so a killed run never blocks the next one, which also removes what the "
        "killed run left. SIGTERM or Ctrl-C stops the run, its workers and their kernels, and "
        "publishes nothing (exit 143 or 130).",
    )
    r.add_argument("--quarter", help="fiscal quarter like 2026Q3 (default: latest complete)")
    r.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: quarter end or latest data)")
    r.add_argument(
        "--data",
        help="data source (default: the config's [data] source; without --config, the demo "
        "data, generated when missing)",
    )
    r.add_argument(
        "--preset",
        choices=["maven_crm", "salesforce", "hubspot"],
        help="map a CRM's export onto the canonical tables (default: none, the data's columns "
        "are the canonical ones or [data.columns] of the config maps them)",
    )
    r.add_argument("--config", help="salesops.toml (default: none)")
    r.add_argument("--out", default="reports", help="output folder (default: reports)")
    r.add_argument(
        "--only",
        nargs="+",
        help="render only these reports, e.g. 01 or team_visibility, and keep the others from "
        "the last run (default: every report)",
    )
    r.add_argument("--jobs", type=int, default=None, help="notebooks at once (default: cores)")
    r.add_argument(
        "--notebooks",
        default=None,
        help="folder of report notebooks (default: the workbench's notebooks/)",
    )
    r.add_argument(
        "--pdf",
        action="store_true",
        help="also print the summary and every report into one PDF, 00_pack.pdf, with headless "
        "Chromium when installed (default: no PDF; it adds the print's seconds to the run)",
    )
    r.add_argument(
        "--teams",
        action="store_true",
        default=None,
        help="also render the team-facing reports (01, 02, 03, 06, 07) for each team into "
        "OUT/<quarter>/teams/<team>/, linked from the index and each report (default: as the "
        "config's [report] teams says, else no team pages)",
    )
    r.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bar; errors still print (default: a progress bar on stderr)",
    )
    r.set_defaults(func=_report)
    return p


def _demo(args: argparse.Namespace) -> int:
    from salesops_lib.synth import generate

    out = generate(args.out, size=args.size, seed=args.seed, fmt=args.format)
    print(f"demo company ({args.size}, seed {args.seed}) written to {out}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from salesops_lib import schema

    tables = schema.TABLES
    if args.table:
        if args.table not in tables:
            print(
                f"error: no table {args.table!r}; the tables are {', '.join(tables)}",
                file=sys.stderr,
            )
            return 2
        tables = {args.table: tables[args.table]}
    print(schema.schema_markdown(tables), end="")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from salesops_lib.data import check_source, format_problem

    source = args.source or configured_source(args.config)
    if source is None:
        print("error: give a data source, or --config with a [data] source", file=sys.stderr)
        return 2
    config = args.config or _folder_config(source)
    checked = check_source(source, preset=args.preset, config=config)
    data, problems = checked.data, checked.problems
    shown = mask_url(str(source))
    if config:
        print(f"config: {config}")
    for line in mapping_lines(checked.mapping):
        print(line)
    if data is not None:
        print(f"{shown}: valid")
        for name, frame in data.tables.items():
            print(f"  {name:<14}{len(frame):>12,} rows")
        first, last = data.first_date.date(), data.last_date.date()
        qs = data.quarters()
        print(
            f"  dates         {first} to {last}; quarters {qs[0]} to {qs[-1]} ({len(qs)}); latest complete {data.latest_complete_quarter()}"
        )
    errors = problems[problems["severity"] == "error"]
    warns = problems[problems["severity"] == "warning"]
    for rec in errors.to_dict("records"):
        print(f"ERROR   {format_problem(rec)}")
    for rec in warns.to_dict("records"):
        print(f"warning {format_problem(rec)}")
    if len(errors):
        print(
            f"{len(errors)} blocking problem(s): fix them and run `salesops validate` again",
            file=sys.stderr,
        )
        return 1
    return 0


def mapping_lines(mapping: pd.DataFrame) -> list[str]:
    """The mapping ``salesops validate`` applied, as lines, every unmapped column included.

    Per table: each canonical column and its source, then every source column mapped to
    none (none cut off).

    Parameters
    ----------
    mapping
        :attr:`salesops_lib.data.SourceCheck.mapping`.

    Returns
    -------
    list of str

    Examples
    --------
    >>> m = pd.DataFrame({"table": ["quotas"] * 2, "source": ["Rep", "Notes"],
    ...                   "column": ["rep_id", ""], "rule": ["config", "unmapped"]})
    >>> print("\\n".join(mapping_lines(m)))
    mapping of quotas:
      rep_id             <- 'Rep' (config)
      not mapped to a canonical column (kept under snake_case names): 'Notes'
    """
    out = []
    for table, rows in mapping.groupby("table", sort=False):
        out.append(f"mapping of {table}:")
        fed = rows[rows["rule"] != "unmapped"]
        for rec in fed.to_dict("records"):
            src = rec["source"] if rec["source"].startswith("= ") else repr(rec["source"])
            src = src if rec["source"] else "(no column)"
            out.append(f"  {rec['column']:<18} <- {src} ({rec['rule']})")
        unmapped = rows.loc[rows["rule"] == "unmapped", "source"].tolist()
        if unmapped:
            out.append(
                "  not mapped to a canonical column (kept under snake_case names): "
                + ", ".join(repr(u) for u in unmapped)
            )
    return out


def _folder_config(source: str) -> str | None:
    p = Path(source)
    cfg = p / "salesops.toml" if p.is_dir() else None
    return str(cfg) if cfg is not None and cfg.is_file() else None


def _report(args: argparse.Namespace) -> int:
    from salesops_lib.run.runner import DEFAULT_NOTEBOOKS, run_quarter

    source = args.data
    config = args.config
    if source is None and config is not None:
        source = configured_source(config)
    if source is None:
        source = str(DEFAULT_DEMO)
        if not (DEFAULT_DEMO / "opportunities.csv").is_file():
            from salesops_lib.synth import generate

            if not args.quiet:
                print(
                    f"no data given: generating the demo company in {DEFAULT_DEMO}",
                    file=sys.stderr,
                )
            generate(DEFAULT_DEMO)
    if config is None:
        config = _folder_config(source)
    if not args.quiet:
        print(loaded_line(source, config, args.preset), file=sys.stderr)
    _console_log(quiet=args.quiet)
    result = run_quarter(
        source,
        quarter=args.quarter,
        as_of=args.as_of,
        preset=args.preset,
        config=config,
        out=args.out,
        only=args.only,
        jobs=args.jobs,
        notebooks=args.notebooks or DEFAULT_NOTEBOOKS,
        progress=not args.quiet,
        pdf=args.pdf,
        teams=args.teams,
    )
    index = result.folder / "index.html"
    for note in result.notes:
        print(note, file=sys.stderr)
    if result.ok:
        teams = len({r.team for r in result.teams})
        pages = f" and {len(result.teams)} team page(s) for {teams} team(s)" if teams else ""
        print(
            f"{len(result.results)} report(s){pages} for {result.quarter} (as of "
            f"{result.as_of}): {index}"
        )
        return 0
    for r in result.failed:
        print(failed_line(result, r), file=sys.stderr)
    if result.folder.name.endswith(".failed"):
        print(
            f"the last complete run in {result.folder.with_name(result.quarter)} was kept; this run is in {result.folder}",
            file=sys.stderr,
        )
    print(
        f"{len(result.failed)} of {len(result.results) + len(result.teams)} report(s) failed: "
        f"{index}",
        file=sys.stderr,
    )
    return 1


def failed_line(result: RunResult, r: NotebookResult) -> str:
    """The line a run prints for a failed report or team page, with where its log is.

    Parameters
    ----------
    result
        The run's result.
    r
        The failed report or team page.

    Returns
    -------
    str
    """
    logs = result.folder / "logs"
    what = r.name
    if r.team:
        from salesops_lib.run.teams import TEAMS_FOLDER, team_folders

        logs = result.folder / TEAMS_FOLDER / team_folders(t.team for t in result.teams)[r.team]
        logs = logs / "logs"
        what = f"{r.name} for team {r.team}"
    return f"FAILED {what}: {r.error} (details: {logs / (r.name + '.log')})"


def _console_log(*, quiet: bool = False) -> None:
    """The run's one-line notices (leftovers cleaned up) go to stderr, bare; with ``quiet``
    only warnings."""
    logger = logging.getLogger("salesops_lib.run")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)


def configured_source(config: str | None) -> str | None:
    """The config's ``[data] source``, a relative path taken from the config's folder.

    Parameters
    ----------
    config
        A ``salesops.toml``, or None.

    Returns
    -------
    str or None
        None without a config.

    Raises
    ------
    ConfigError
        If the config names no source: a run never falls back to the demo data silently.

    Examples
    --------
    >>> import tempfile
    >>> cfg = Path(tempfile.mkdtemp()) / "salesops.toml"
    >>> _ = cfg.write_text('[data]\\nsource = "exports"\\n')
    >>> configured_source(str(cfg)) == str(cfg.parent / "exports")
    True
    """
    if config is None:
        return None
    given = (load_config(config).get("data") or {}).get("source")
    if not given or not str(given).strip():
        raise ConfigError(
            f'{config} names no data source: add source = "path/to/export" under [data], '
            "or give --data"
        )
    given = str(given).strip()
    if "://" in given or Path(given).is_absolute():
        return given
    return str(Path(config).parent / given)


def loaded_line(source: str, config: str | None, preset: str | None) -> str:
    """The line a run prints first: which config and which data source it loaded.

    Parameters
    ----------
    source
        The data source (a URL's password is masked).
    config
        The config file, or None.
    preset
        The preset given on the command line, or None.

    Returns
    -------
    str

    Examples
    --------
    >>> loaded_line("postgresql://u:pw@db/crm", None, "salesforce")
    'data: postgresql://u:***@db/crm (preset salesforce); config: none'
    """
    what = f"data: {mask_url(str(source))}" + (f" (preset {preset})" if preset else "")
    return what + f"; config: {config or 'none'}"


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
