"""Exports appear whole or not at all."""

import pytest
from lms.core.files import atomic_output
def test_atomic(tmp_path):
    p = tmp_path/"a.csv"
    with atomic_output(p) as f: f.write("x")
    assert p.read_text()=="x"
    with pytest.raises(RuntimeError):
        with atomic_output(p) as f:
            f.write("half"); raise RuntimeError
    assert p.read_text()=="x" and list(tmp_path.iterdir())==[p]
