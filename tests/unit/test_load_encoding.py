"""The text records sent as ``$data`` to the load statements: nulls, empty text, exact floats, dates."""

from __future__ import annotations

import pandas as pd
import pytest

from nexus_graph import schema
from nexus_graph.errors import NexusError
from nexus_graph.store.graph import FIELD_SEPARATOR, encode_rows


def _supply(**overrides: object) -> pd.DataFrame:
    row = {"supplier_id": "A", "customer_id": "B", "valid_from": pd.Timestamp("2021-01-01"),
           "valid_to": pd.NaT, "known_from": pd.Timestamp("2021-02-20"), "end_known_from": pd.NaT,
           "weight": 0.1 + 0.2, "source": None}
    row.update(overrides)
    return pd.DataFrame([row])


def test_fields_follow_the_statement_order_with_blank_for_null() -> None:
    [record] = encode_rows(_supply(), schema.SUPPLY)
    assert record.split(FIELD_SEPARATOR) == [
        "vA", "vB", "v2021-01-01", "", "v2021-02-20", "", "v0.30000000000000004", ""]


def test_empty_text_stays_distinct_from_missing() -> None:
    [record] = encode_rows(_supply(source=""), schema.SUPPLY)
    assert record.split(FIELD_SEPARATOR)[-1] == "v"


def test_floats_survive_exactly() -> None:
    values = [1e-05, 150000000.5, 2.0**-40, 123456789.123456789]
    frame = pd.concat([_supply(weight=v) for v in values], ignore_index=True)
    encoded = [record.split(FIELD_SEPARATOR)[6] for record in encode_rows(frame, schema.SUPPLY)]
    assert [float(text[1:]) for text in encoded] == values


def test_separator_inside_a_value_is_refused() -> None:
    with pytest.raises(NexusError, match="contains a control character"):
        encode_rows(_supply(source="a\x1fb"), schema.SUPPLY)


def test_statement_parameters_plain_values_fast_and_the_rest_as_before() -> None:
    import datetime as dt

    import numpy as np

    from nexus_graph.store.neo4j_store import to_param

    rows = [{"company_id": "A", "vector": [0.5, float("nan"), np.float32(1.5)], "drift": float("inf"), "n": 3,
             "ok": True, "when": pd.Timestamp("2021-01-31"), "np": np.float64("nan"), "pair": (1, np.int64(2)),
             "day": np.datetime64("2021-02-28"), "none": None}]
    assert to_param(rows) == [{"company_id": "A", "vector": [0.5, None, 1.5], "drift": None, "n": 3, "ok": True,
                               "when": dt.date(2021, 1, 31), "np": None, "pair": [1, 2],
                               "day": dt.date(2021, 2, 28), "none": None}]
    assert type(to_param(rows)[0]["pair"][1]) is int and type(to_param(np.float64(2.0))) is float
