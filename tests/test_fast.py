"""The vectorized helpers agree with plain pandas / Arrow on random inputs, fast paths included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_lib import fast
from salesops_lib.data.coerce import _needs_trim

# short ids over a tiny alphabet: many repeats, and widths that take both the fixed-width
# (integer) path and the Arrow path
ID = st.text(alphabet="ab", min_size=1, max_size=3)
IDS = st.lists(st.one_of(ID, st.none()), max_size=40)


def _reference_positions(values: list, table: list) -> np.ndarray:
    found = pc.index_in(
        pa.array(values, type=pa.large_string()), value_set=pa.array(table, type=pa.large_string())
    )
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False))


@settings(max_examples=300, deadline=None)
@given(values=IDS, table=st.lists(ID, max_size=10), split=st.integers(0, 40), sort=st.booleans())
def test_positions_match_arrow(values, table, split, sort):
    if sort:
        table = sorted(set(table))
    ser = pd.Series(values, dtype="str")
    if 0 < split < len(ser):  # a column in two Arrow chunks
        ser = pd.concat([ser.iloc[:split], ser.iloc[split:]])
    got = fast.positions(ser, pd.Series(table, dtype="str"))
    assert got.tolist() == _reference_positions(values, table).tolist()


# system ids: a constant prefix and digits ("O0000017"), which take the direct-lookup path;
# values also hold other prefixes, letters among the digits and ids missing from the table
DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=7)


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.sampled_from(["", "O", "D-"]),
    width=st.integers(1, 6),
    numbers=st.lists(st.integers(0, 999_999), min_size=1, max_size=30),
    probes=st.lists(st.one_of(st.integers(0, 999_999), DIGITS, st.just("x1")), max_size=40),
)
def test_positions_of_digit_ids_match_arrow(prefix, width, numbers, probes):
    def ident(v):
        return f"{prefix}{v % 10**width:0{width}d}" if isinstance(v, int) else f"{prefix}{v}"

    table = [ident(n) for n in numbers]
    values = [ident(p) for p in probes] + table[:3]
    values = [v for v in values if len(v) == len(table[0])] or table
    ser = pd.Series(values, dtype="str")
    got = fast.positions(ser, pd.Series(table, dtype="str"))
    assert got.tolist() == _reference_positions(values, table).tolist()
    mask = fast.isin(pd.Series(values * 300, dtype="str"), pd.Series(table, dtype="str"))
    assert mask.tolist() == [v in set(table) for v in values * 300]


@settings(max_examples=200, deadline=None)
@given(left=IDS, right=st.lists(ID, max_size=10), repeat=st.integers(1, 600))
def test_isin_matches_pandas(left, right, repeat):
    ser = pd.Series(left * repeat, dtype="str")  # long enough for the vectorized path
    expected = ser.isin(set(right)).to_numpy() & ser.notna().to_numpy()
    assert (fast.isin(ser, pd.Series(right, dtype="str")) == expected).all()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(ID, st.none()), max_size=30), st.booleans())
def test_has_duplicates(values, sort):
    if sort:
        values = sorted(v for v in values if v is not None)
    ser = pd.Series(values, dtype="str")
    assert fast.has_duplicates(ser) == bool(ser.dropna().duplicated().any())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4)), max_size=40), st.booleans())
def test_duplicate_pairs_counts_repeats(pairs, sort):
    if sort:
        pairs = sorted(pairs)
    days = pd.Series(pd.to_datetime("2026-01-02") + pd.to_timedelta([d for d, _ in pairs], "D"))
    codes = np.array([c for _, c in pairs], dtype=np.int64)
    n, repeated = fast.duplicate_pairs(days, codes)
    frame = pd.DataFrame(pairs, columns=["d", "c"])
    assert n == int(frame.duplicated().sum())
    assert set(repeated.tolist()) <= set(frame.loc[frame.duplicated(), "c"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=["a", "é", " ", "\t", "\xa0", "\u3000", "Z", "\x1f"]), st.none()
        ),
        max_size=8,
    ),
    st.integers(0, 3),
)
def test_trim_check_agrees_with_str_strip(values, drop):
    ser = pd.Series(values, dtype="str").iloc[drop:]  # a sliced Arrow array
    expected = any(v == "" or v != v.strip() for v in ser.dropna())
    assert _needs_trim(ser) == expected
