"""Read-only tables: a loaded data set cannot be edited in place by accident.

A :class:`~salesops_lib.data.SalesData` holds its tables as :class:`FrozenFrame`. Reading works
as on any DataFrame, and every derived frame (a filter, a selection, ``copy()``, a merge) is
an ordinary, editable DataFrame. Writing into the table itself (``loc``/``iloc``/``at``/``iat``
assignment, ``df[col] = ...``, ``inplace=True``, new column names or index) raises
:class:`ReadOnlyTableError`, which says how to make an edited data set instead.

Why: figures derived from a data set once (the per-deal history facts) must never disagree
with the tables they came from. With pandas' copy-on-write, a column taken out of a table
and changed is a copy, so the table itself is the only thing to guard.
"""

from __future__ import annotations

from typing import Any, NoReturn

import pandas as pd
import pyarrow as pa

EDIT_HINT = (
    "the tables of a loaded data set are read-only; edit a copy and make a new data set: "
    "opps = data.opportunities.copy(); opps.loc[...] = ...; data = data.replace(opportunities=opps)"
)


class ReadOnlyTableError(TypeError):
    """Raised on an attempt to edit a table of a loaded data set in place."""


def _refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise ReadOnlyTableError(EDIT_HINT)


class _ReadOnlyIndexer:
    """``loc``/``iloc``/``at``/``iat`` of a frozen table: reads pass through, writes raise."""

    __slots__ = ("_inner",)

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __call__(self, axis: Any = None) -> _ReadOnlyIndexer:  # ``df.loc(axis=1)[...]``
        return _ReadOnlyIndexer(self._inner(axis=axis))

    def __getitem__(self, key: Any) -> Any:
        return self._inner[key]

    def __setitem__(self, key: Any, value: Any) -> NoReturn:
        _refuse()


class FrozenFrame(pd.DataFrame):
    """A DataFrame that refuses in-place edits; everything derived from it is a plain DataFrame.

    Parameters
    ----------
    frame
        The table to freeze (its data are shared, not copied).

    Examples
    --------
    >>> t = FrozenFrame(pd.DataFrame({"amount": [1.0, 2.0]}))
    >>> float(t["amount"].sum())
    3.0
    >>> t.loc[0, "amount"] = 5.0  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ReadOnlyTableError: the tables of a loaded data set are read-only ...
    """

    _metadata = ["_sealed"]

    def __init__(self, frame: pd.DataFrame) -> None:
        super().__init__(frame, copy=False)
        object.__setattr__(self, "_sealed", True)

    @property
    def _constructor(self) -> type[pd.DataFrame]:  # type: ignore[override]
        return pd.DataFrame

    def _constructor_from_mgr(self, mgr: Any, axes: Any) -> pd.DataFrame:
        return pd.DataFrame._from_mgr(mgr, axes=axes)

    @property
    def loc(self) -> Any:  # type: ignore[override]
        return _ReadOnlyIndexer(super().loc)

    @property
    def iloc(self) -> Any:  # type: ignore[override]
        return _ReadOnlyIndexer(super().iloc)

    @property
    def at(self) -> Any:  # type: ignore[override]
        return _ReadOnlyIndexer(super().at)

    @property
    def iat(self) -> Any:  # type: ignore[override]
        return _ReadOnlyIndexer(super().iat)

    def __setitem__(self, key: Any, value: Any) -> NoReturn:
        _refuse()

    def __delitem__(self, key: Any) -> NoReturn:
        _refuse()

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_sealed", False) and not name.startswith("_"):
            _refuse()
        super().__setattr__(name, value)

    def insert(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        """Refused: a column cannot be inserted into a frozen table.

        Parameters
        ----------
        *args, **kwargs
            Whatever :meth:`pandas.DataFrame.insert` takes; never used.

        Raises
        ------
        ReadOnlyTableError
            Always; the message says how to make an edited data set instead.
        """
        _refuse()

    def pop(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        """Refused: a column cannot be removed from a frozen table.

        Parameters
        ----------
        *args, **kwargs
            Whatever :meth:`pandas.DataFrame.pop` takes; never used.

        Raises
        ------
        ReadOnlyTableError
            Always; the message says how to make an edited data set instead.
        """
        _refuse()

    def update(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        """Refused: a frozen table cannot be updated in place.

        Parameters
        ----------
        *args, **kwargs
            Whatever :meth:`pandas.DataFrame.update` takes; never used.

        Raises
        ------
        ReadOnlyTableError
            Always; the message says how to make an edited data set instead.
        """
        _refuse()

    def _update_inplace(self, *args: Any, **kwargs: Any) -> NoReturn:
        # every ``inplace=True`` method ends here
        _refuse()

    def _set_axis(self, axis: Any, labels: Any) -> None:
        if getattr(self, "_sealed", False):  # df.columns = ..., df.index = ...
            _refuse()
        super()._set_axis(axis, labels)


def freeze(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """``frame`` as a :class:`FrozenFrame` (None stays None; a frozen frame is returned as is).

    Parameters
    ----------
    frame
        A table, or None.

    Returns
    -------
    FrozenFrame or None
        The same data, not copied.

    Examples
    --------
    >>> type(freeze(pd.DataFrame({"a": [1]}))).__name__, freeze(None)
    ('FrozenFrame', None)
    """
    if frame is None or isinstance(frame, FrozenFrame):
        return frame
    return FrozenFrame(frame)


def one_chunk(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """``frame`` with each Arrow-backed column (text) held as one contiguous Arrow array.

    A table read from Parquet or CSV holds a text column as many chunks (the large demo's
    history ``opp_id``: 178), and Arrow's ``take`` on a chunked column concatenates the
    whole column first: every row selection of a table (``iloc`` with positions, a boolean
    filter, a merge) then copies all of its text. Measured on the large demo: taking 10,000
    rows of the opportunities' ``rep_id`` 71 ms chunked, 3 ms in one chunk; the whole
    table's ``iloc`` 455 ms against 47 ms. Joining the chunks once costs about a copy of the
    text columns when the data set is made.

    Parameters
    ----------
    frame
        A table, or None.

    Returns
    -------
    DataFrame or None
        ``frame`` itself when no column has more than one chunk; otherwise a new frame with
        the same values, dtypes and index (the other columns are not copied).

    Examples
    --------
    >>> chunked = pa.chunked_array([["a", "b"], ["c"]], pa.large_string())
    >>> t = pd.DataFrame({"id": pd.array(chunked, dtype="str")})
    >>> type(pa.array(t["id"].array)).__name__, type(pa.array(one_chunk(t)["id"].array)).__name__
    ('ChunkedArray', 'LargeStringArray')
    """
    if frame is None:
        return None
    joined = {}
    for i, dtype in enumerate(frame.dtypes):
        arrow_backed = isinstance(dtype, pd.ArrowDtype) or (
            isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
        )
        if not arrow_backed:
            continue
        arrow = pa.array(frame.iloc[:, i].array)  # the column's own Arrow data, not a copy
        if isinstance(arrow, pa.ChunkedArray) and arrow.num_chunks > 1:
            joined[i] = pd.array(pa.concat_arrays(arrow.chunks), dtype=dtype)
    if not joined:
        return frame
    out = pd.DataFrame(frame, copy=False)
    for i, values in joined.items():
        out.isetitem(i, values)
    return out
