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
