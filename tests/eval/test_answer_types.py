import pytest

from eval.answer_types import answer_type


@pytest.mark.parametrize("answer, kind", [
    ("March 3", "date"), ("in 2023", "date"), ("Sunday", "date"),
    ("420 million euros", "number"), ("seven points", "number"), ("27", "number"),
    ("Mara Quint", "name"), ("University of Oxford", "name"), ("Halvorsen Partners", "name"),
    ("a new packing plant", "other"), ("warm spring weather", "other"),
])
def test_a_gold_answer_is_typed_by_its_shape(answer, kind):
    assert answer_type(answer) == kind
