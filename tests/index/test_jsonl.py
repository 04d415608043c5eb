"""JSON Lines: blank lines skipped, a bad line named by number and left to the caller."""
import pytest

from index.jsonl import parse_json_lines, read_json_lines, write_json_lines


def test_each_line_is_parsed_or_carries_its_error():
    lines = list(parse_json_lines('{"a": 1}\n\n  \n[2]\n{oops\n"é"'))
    assert [(line.number, line.value, line.error is None) for line in lines] == [
        (1, {"a": 1}, True), (4, [2], True), (5, None, False), (6, "é", True)]
    assert lines[2].error.startswith("not valid JSON")


def test_written_rows_read_back_and_a_bad_file_is_refused(tmp_path):
    path = tmp_path / "rows.jsonl"
    rows = [{"id": "ü", "n": 1}, {"id": "b", "n": [1, 2]}]
    write_json_lines(path, rows)
    assert read_json_lines(path) == rows
    path.write_text('{"id": 1}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match="rows.jsonl line 2: not valid JSON"):
        read_json_lines(path)
