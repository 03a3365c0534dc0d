"""Reading raw tables from files and databases, before any mapping or checking.

Every reader returns plain DataFrames keyed by the file or table name it came from; the
loader in :mod:`salesops_lib.data` maps and validates them. Unreadable input raises
:class:`~salesops_lib.errors.SalesOpsDataError` with the file named, never a bare
library traceback.
"""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from salesops_lib.errors import SalesOpsDataError

if TYPE_CHECKING:
    import duckdb

NULL_VALUES = ["", "NULL", "null", "NaN", "nan", "N/A", "n/a", "#N/A", "None"]


def read_header(path: Path) -> list[str]:
    """The column labels in a CSV file's first line, trimmed.

    The line is decoded as UTF-8 (a byte-order mark dropped), else cp1252, else latin-1;
    NUL bytes are dropped.

    Parameters
    ----------
    path
        The CSV file (only its first line, at most 1 MiB, is read).

    Returns
    -------
    list of str
        ``[]`` for an empty file or a blank first line.

    Examples
    --------
    >>> import codecs, tempfile
    >>> p = Path(tempfile.mkdtemp()) / "deals.csv"
    >>> _ = p.write_bytes(codecs.BOM_UTF8 + b'opp_id,"Close Date", amount')
    >>> read_header(p)
    ['opp_id', 'Close Date', 'amount']
    """
    with open(path, "rb") as fh:
        first = fh.readline(1 << 20)
    if not first.strip():
        return []
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = first.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    try:
        row = next(csv.reader(io.StringIO(text.replace("\x00", ""), newline="")), [])
    except csv.Error:
        row = text.strip().split(",")
    return [c.strip() for c in row]


LABEL_TYPE = pa.dictionary(pa.int32(), pa.string())
"""How columns of a short fixed list of values (stages) are read: each value stored once."""


def read_csv(
    path: Path,
    *,
    string_columns: set[str] | None = None,
    label_columns: set[str] | None = None,
) -> pd.DataFrame:
    """Read one CSV file fast (pyarrow), falling back to a tolerant reader.

    Parameters
    ----------
    path
        The CSV file.
    string_columns
        Labels to read as text whatever they look like (ids such as ``007``).
    label_columns
        Labels to read as text with few distinct values (pandas categoricals).

    Returns
    -------
    pandas.DataFrame
        Columns labelled as in the header (trimmed, byte-order mark dropped); cells in
        :data:`NULL_VALUES` are missing. ``attrs[WHOLE_DAYS]`` lists the columns Arrow read
        as dates. When Arrow cannot read the file, every column is text.

    Raises
    ------
    SalesOpsDataError
        If the file is missing or empty, has no header, or cannot be parsed as CSV.
    """
    if not path.is_file():
        raise SalesOpsDataError(f"{path.name}: file not found")
    if path.stat().st_size == 0:
        raise SalesOpsDataError(
            f"{path.name}: the file is empty; export it again with a header row"
        )
    header = read_header(path)
    if not any(header):
        raise SalesOpsDataError(f"{path.name}: the first line holds no column labels")
    types = {c: pa.string() for c in (string_columns or set()) if c in header}
    types.update({c: LABEL_TYPE for c in (label_columns or set()) if c in header})
    try:
        return _read_arrow(path, types)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        pass
    try:  # a later block did not match the inferred type: read everything as text
        return _read_arrow(path, {c: pa.string() for c in header if c})
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError, pa.ArrowException):
        pass
    last: Exception | None = None
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return _read_tolerant(path, enc)
        except SalesOpsDataError:
            raise
        except UnicodeDecodeError as exc:
            last = exc
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
            raise SalesOpsDataError(
                f"{path.name}: cannot be read as CSV ({_short(exc)}); check the delimiter and quoting"
            ) from None
    raise SalesOpsDataError(f"{path.name}: unreadable text encoding ({_short(last)})")


def _read_tolerant(path: Path, encoding: str) -> pd.DataFrame:
    """Every column as text, through Python's csv module (pandas' python engine).

    Rows with more fields than the header are a trailing delimiter when every extra field is
    blank (the extras are dropped), and an error naming the first such line otherwise: pandas
    alone would take the first field of such rows as an index and shift each value one
    column left, or drop the extra values without a word.
    """
    with open(path, encoding=encoding, newline="") as fh:
        rows = csv.reader(fh, skipinitialspace=True)
        width = len(next(rows, []))
        longer = False
        for fields in rows:
            longer = longer or len(fields) > width
            if len(fields) > width and any(f.strip() for f in fields[width:]):
                extra = next(f for f in fields[width:] if f.strip())
                raise SalesOpsDataError(
                    f"{path.name}: line {rows.line_num} has {len(fields)} fields but the header "
                    f"has {width} (e.g. {extra.strip()[:40]!r} beyond the last column); the "
                    "values do not line up with the column labels: check the delimiter, or "
                    "export the file again"
                )
    trailing = {"index_col": False, "on_bad_lines": lambda fields: fields[:width]}
    with warnings.catch_warnings():  # any extra fields are blank (checked above): dropped
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        frame = pd.read_csv(
            path,
            dtype="str",
            keep_default_na=False,
            na_values=NULL_VALUES,
            encoding=encoding,
            engine="python",
            skipinitialspace=True,
            **(trailing if longer else {}),
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _read_arrow(path: Path, types: dict[str, pa.DataType]) -> pd.DataFrame:
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            null_values=NULL_VALUES,
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    if any(pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type) for f in table.schema):
        raise pa.ArrowInvalid("text that is not UTF-8")
    frame = arrow_to_pandas(table)
    whole_days = frame.attrs.get(WHOLE_DAYS, [])
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    frame.attrs[WHOLE_DAYS] = [str(c).strip().lstrip("\ufeff") for c in whole_days]
    return frame


WHOLE_DAYS = "salesops_whole_days"
"""``DataFrame.attrs`` key: columns read from a date type, known to hold whole days."""


def arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as pandas; date columns become ``datetime64[ns]`` in Arrow.

    Their names are listed in ``attrs[WHOLE_DAYS]`` so that typing need not check them
    for times of day.

    Parameters
    ----------
    table
        An Arrow table. A date outside the nanosecond range (before 1677 or after 2262)
        stays a date column (typing reports it).

    Returns
    -------
    pandas.DataFrame
    """
    whole_days = []
    for i, field in enumerate(table.schema):
        if pa.types.is_date(field.type):
            try:
                column = table.column(i).cast(pa.timestamp("ns"))
            except pa.ArrowInvalid:  # a day outside the nanosecond range: typing reports it
                continue
            table = table.set_column(i, field.name, column)
            whole_days.append(field.name)
    frame = table.to_pandas(date_as_object=False)
    frame.attrs[WHOLE_DAYS] = whole_days
    return frame


def parquet_columns(path: Path) -> list[str]:
    """The column names of a Parquet file, from its footer.

    Parameters
    ----------
    path
        The Parquet file.

    Returns
    -------
    list of str
        ``[]`` when the file cannot be read (reading it later reports that).
    """
    try:
        return list(pq.read_schema(path).names)
    except (pa.ArrowException, OSError):
        return []


def read_parquet(path: Path, *, label_columns: set[str] | None = None) -> pd.DataFrame:
    """Read one Parquet file; text ``label_columns`` are read as categoricals.

    Parameters
    ----------
    path
        The Parquet file.
    label_columns
        Columns to read as dictionaries (pandas categoricals); those absent are ignored.

    Returns
    -------
    pandas.DataFrame
        ``attrs[WHOLE_DAYS]`` lists the date columns.

    Raises
    ------
    SalesOpsDataError
        If the file is not valid Parquet.
    """
    try:
        labels = sorted(label_columns or ())
        return arrow_to_pandas(pq.read_table(path, read_dictionary=labels or None))
    except (pa.ArrowException, OSError) as exc:
        raise SalesOpsDataError(
            f"{path.name}: not a readable Parquet file ({_short(exc)})"
        ) from None


def read_table_file(
    path: Path,
    *,
    string_columns: set[str] | None = None,
    label_columns: set[str] | None = None,
) -> pd.DataFrame:
    """Read a CSV or Parquet file by its suffix.

    Parameters
    ----------
    path
        A ``.parquet`` file, or a CSV file under any other suffix.
    string_columns, label_columns
        As for :func:`read_csv` (Parquet files keep their own types; only
        ``label_columns`` applies).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    SalesOpsDataError
        As :func:`read_csv` and :func:`read_parquet` do, and when two columns carry the
        same label.
    """
    frame = (
        read_parquet(path, label_columns=label_columns)
        if path.suffix.lower() == ".parquet"
        else read_csv(path, string_columns=string_columns, label_columns=label_columns)
    )
    labels = pd.Index([str(c).strip() for c in frame.columns])
    if labels.duplicated().any():
        dups = ", ".join(repr(c) for c in labels[labels.duplicated()].unique()[:5])
        raise SalesOpsDataError(
            f"{path.name}: column label(s) {dups} appear more than once; rename or remove the copies"
        )
    return frame


def read_duckdb(
    path: Path,
    tables: dict[str, str],
    *,
    windows: dict[str, tuple[str, pd.Timestamp]] | None = None,
) -> dict[str, pd.DataFrame]:
    """Read named tables (or SQL queries) from a DuckDB database file.

    Parameters
    ----------
    path
        The ``.duckdb`` file, opened read-only.
    tables
        Canonical table name -> database table name or ``SELECT`` query. Tables that do not
        exist in the database are skipped.
    windows
        Canonical table name -> (date column, first day): only rows on or after that day
        are selected, in the query.

    Returns
    -------
    dict of str to pandas.DataFrame
        Canonical table name -> its rows, for the tables found.

    Raises
    ------
    SalesOpsDataError
        If the file cannot be opened as a DuckDB database or a query fails.
    """
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise SalesOpsDataError(
            f"{path.name}: not a readable DuckDB file ({_short(exc)})"
        ) from None
    try:
        present = {
            r[0].lower(): r[0]
            for r in con.execute("select table_name from information_schema.tables").fetchall()
        }
        out = {}
        for name, ref in tables.items():
            try:
                if is_query(ref):
                    out[name] = con.execute(ref).df()
                elif ref.lower() in present:
                    out[name] = _duckdb_table(con, present[ref.lower()], (windows or {}).get(name))
            except duckdb.Error as exc:
                message = " ".join(str(exc).split())
                raise SalesOpsDataError(
                    f"{path.name}: [data.tables] {name}: DuckDB could not run the query: "
                    f"{message[:600]}"
                ) from None
        return out
    except duckdb.Error as exc:
        raise SalesOpsDataError(f"{path.name}: query failed ({_short(exc)})") from None
    finally:
        con.close()


def _duckdb_table(
    con: duckdb.DuckDBPyConnection, table: str, window: tuple[str, pd.Timestamp] | None
) -> pd.DataFrame:
    """One table of a DuckDB database, only the rows on or after the window's first day
    when the table has the window's column."""
    cols = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_name = ?", [table]
        ).fetchall()
    }
    quoted = table.replace('"', '""')
    if window is not None and window[0] in cols:
        col, first = window
        return con.execute(f'select * from "{quoted}" where "{col}" >= ?', [first.date()]).df()
    return con.execute(f'select * from "{quoted}"').df()


def read_sql(
    url: str,
    tables: dict[str, str],
    *,
    masked_url: str,
    windows: dict[str, tuple[str, pd.Timestamp]] | None = None,
) -> dict[str, pd.DataFrame]:
    """Read named tables (or SQL queries) through SQLAlchemy.

    Parameters
    ----------
    url
        SQLAlchemy URL, possibly with a password: it is used to connect and never shown.
    tables
        Canonical table name -> database table name or ``SELECT`` query.
    masked_url
        The URL with its password masked, used in every message.
    windows
        Canonical table name -> (date column, first day): only rows on or after that day
        are selected (pushed into the query; tables without the column are read whole).

    Returns
    -------
    dict of str to pandas.DataFrame
        Canonical table name -> its rows, for the tables found.

    Raises
    ------
    SalesOpsDataError
        If the URL cannot be used or a read fails; the message shows ``masked_url`` only.
    """
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url)
    except Exception as exc:  # noqa: BLE001 - any driver error becomes a data error
        raise SalesOpsDataError(f"cannot use database {masked_url}: {type(exc).__name__}") from None
    try:
        with engine.connect() as con:
            names = {n.lower(): n for n in sa.inspect(con).get_table_names()}
            out = {}
            for name, ref in tables.items():
                if ref.strip().lower().startswith(("select", "with")):
                    out[name] = pd.read_sql(sa.text(ref), con)
                elif ref.lower() in names:
                    table = sa.Table(names[ref.lower()], sa.MetaData(), autoload_with=con)
                    query = sa.select(table)
                    window = (windows or {}).get(name)
                    if window is not None and window[0] in table.c:
                        col, first = window
                        query = query.where(table.c[col] >= first.date())
                    out[name] = _read_query(con, query, table)
            return out
    except sa.exc.SQLAlchemyError as exc:
        raise SalesOpsDataError(
            f"cannot read from database {masked_url}: {type(exc).__name__}; check the URL, "
            "the user's rights and that the server is running"
        ) from None
    finally:
        engine.dispose()


def _read_query(con, query, table) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Rows of a table query; from PostgreSQL through ``COPY ... TO STDOUT`` (CSV) when possible.

    ``COPY`` streams the rows as text that Arrow parses in C++, several times faster than
    fetching Python tuples; other databases, or any problem with the fast path, use
    :func:`pandas.read_sql`.
    """
    if con.dialect.name == "postgresql" and con.dialect.driver == "psycopg":
        try:
            return _copy_query(con, query, table)
        except Exception:  # noqa: BLE001 - fall back to the portable path
            con.rollback()
    return pd.read_sql(query, con)


def _copy_query(con, query, table) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    sql = str(query.compile(dialect=con.dialect, compile_kwargs={"literal_binds": True}))
    types: dict[str, pa.DataType] = {}
    for column in table.columns:
        t = column.type
        if isinstance(t, sa.Boolean):
            types[column.name] = pa.bool_()
        elif isinstance(t, sa.DateTime):
            types[column.name] = pa.timestamp("us")
        elif isinstance(t, sa.Date):
            types[column.name] = pa.date32()
        elif isinstance(t, sa.Integer):
            types[column.name] = pa.int64()
        elif isinstance(t, sa.Float | sa.Numeric):
            types[column.name] = pa.float64()
        else:
            types[column.name] = pa.large_string()
    buf = io.BytesIO()
    raw = con.connection.dbapi_connection
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as cp,
    ):
        for chunk in cp:
            buf.write(chunk)
    buf.seek(0)
    frame = pacsv.read_csv(
        buf,
        convert_options=pacsv.ConvertOptions(
            column_types=types, true_values=["t"], false_values=["f"], strings_can_be_null=True
        ),
    ).to_pandas(types_mapper={pa.large_string(): pd.StringDtype(na_value=float("nan"))}.get)
    for c, t in types.items():
        if c in frame and pa.types.is_date32(t):
            frame[c] = pd.to_datetime(frame[c])
    return frame


def _short(exc: object) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def is_query(ref: str) -> bool:
    """Whether a ``[data.tables]`` entry is a SQL query rather than a file or table name.

    Parameters
    ----------
    ref
        The entry: a file name (``deals.csv``), a table name, or a query.

    Returns
    -------
    bool
        True when it starts with ``select``, ``with`` or ``from`` (DuckDB's short form).

    Examples
    --------
    >>> is_query("  SELECT * FROM read_csv('deals.csv')"), is_query("deals.csv")
    (True, False)
    """
    return ref.strip().lower().startswith(("select", "with", "from"))


def read_file_queries(folder: Path, queries: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Run SQL queries over the files of a folder in an in-memory DuckDB.

    A table can then be built from the export's files without reshaping them: a join of a
    leads file and a deals file, a constant, a derived flag, order lines summed into orders.
    Relative file names in the queries (``read_csv('leads.csv')``, ``'orders/*.parquet'``)
    are looked up in ``folder``.

    Parameters
    ----------
    folder
        The source folder.
    queries
        Canonical table name -> the query (see :func:`is_query`).

    Returns
    -------
    dict of str to pandas.DataFrame
        Canonical table name -> the query's rows; ``attrs[WHOLE_DAYS]`` lists the columns
        of SQL type ``DATE``.

    Raises
    ------
    SalesOpsDataError
        If a query fails: the message names the table and shows DuckDB's own message.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "lines.csv").write_text("order_id,price\\nA,2\\nA,3\\nB,5\\n")
    >>> q = {"opportunities": "select order_id, sum(price) as amount from read_csv('lines.csv') "
    ...      "group by order_id order by order_id"}
    >>> read_file_queries(folder, q)["opportunities"]["amount"].tolist()
    [5.0, 5.0]
    """
    import duckdb

    out: dict[str, pd.DataFrame] = {}
    con = duckdb.connect(":memory:")
    try:
        con.execute("set file_search_path = ?", [str(folder.resolve())])
        for name, query in queries.items():
            try:
                table = con.sql(query).to_arrow_table()
            except duckdb.Error as exc:
                message = " ".join(str(exc).split())
                raise SalesOpsDataError(
                    f"[data.tables] {name}: DuckDB could not run the query over the files in "
                    f"{folder.name}/: {message[:600]}"
                ) from None
            out[name] = arrow_to_pandas(_decimals_as_floats(table))
    finally:
        con.close()
    return out


def _decimals_as_floats(table: pa.Table) -> pa.Table:
    """DuckDB's ``sum`` of integers and its ``DECIMAL`` columns as float64 (money, numbers)."""
    for i, f in enumerate(table.schema):
        if pa.types.is_decimal(f.type) or (pa.types.is_integer(f.type) and f.type.bit_width > 64):
            table = table.set_column(i, f.name, table.column(i).cast(pa.float64()))
    return table
