"""Text rows of the bulk interval reads (store/packed.py): fields, nulls, exact numbers, dtypes."""

from __future__ import annotations

import pandas as pd
import pytest

from nexus_graph import schema
from nexus_graph.errors import NexusError
from nexus_graph.store.packed import FIELD_SEPARATOR, text_rows_frame
from nexus_graph.store.snapshots import _frame

SEP = FIELD_SEPARATOR


def test_text_rows_give_the_frame_of_the_row_form() -> None:
    columns = ["source_id", "target_id", "valid_from", "valid_to", "value", "role"]
    records = [{"source_id": "F1", "rows": [SEP.join(["C1", "2020-03-31", "", "0.1", "vchair"]),
                                            SEP.join(["C2", "2021-06-30", "2022-01-31", "1.2345678E7", "v"])]},
               {"source_id": "F2", "rows": [SEP.join(["C1", "2019-12-31", "", "", ""])]}]
    frame = text_rows_frame(records, columns, numeric={"value"}, text={"role"})
    row_form = pd.DataFrame([["F1", "C1", "2020-03-31", None, 0.1, "chair"],
                             ["F1", "C2", "2021-06-30", "2022-01-31", 12345678.0, ""],
                             ["F2", "C1", "2019-12-31", None, None, None]], columns=columns)
    pd.testing.assert_frame_equal(frame, row_form)  # '' text stays apart from null; numbers parse exactly


def test_a_number_survives_the_text_round_trip_bit_for_bit() -> None:
    values = [0.1, 1 / 3, 2.0e-7, 123456789.123, 5e-324, 1.7976931348623157e308]
    java = ["0.1", "0.3333333333333333", "2.0E-7", "1.23456789123E8", "4.9E-324", "1.7976931348623157E308"]
    frame = text_rows_frame([{"source_id": "S", "rows": [SEP.join(["T", v]) for v in java]}],
                            ["source_id", "target_id", "value"], numeric={"value"})
    assert frame["value"].tolist() == values


def test_no_record_gives_the_empty_frame_and_dates_parse_as_the_bulk_read() -> None:
    columns = schema.edge_columns(schema.BOARD.pyg)
    empty = text_rows_frame([], columns, schema.BOARD.numeric, schema.BOARD.text)
    assert list(empty.columns) == columns and len(empty) == 0
    rows = [SEP.join(["C1", "2020-01-01", "", "2020-01-31", "", "vindependent"])]
    frame = _frame(text_rows_frame([{"source_id": "D1", "rows": rows}], columns, schema.BOARD.numeric,
                                   schema.BOARD.text), columns)
    assert frame.loc[0, "valid_from"] == pd.Timestamp("2020-01-01") and pd.isna(frame.loc[0, "valid_to"])
    assert str(frame["valid_from"].dtype) == "datetime64[s]" and frame.loc[0, "role"] == "independent"


def test_a_row_with_a_missing_field_is_refused() -> None:
    records = [{"source_id": "S", "rows": [SEP.join(["T", "1.0"]), "T2"]}]
    with pytest.raises(NexusError, match=r"does not split into its 2 fields .* U\+001F"):
        text_rows_frame(records, ["source_id", "target_id", "value"], numeric={"value"})

