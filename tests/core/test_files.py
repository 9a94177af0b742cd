"""Exports appear whole or not at all."""

import pytest

from lms.core.files import atomic_output


def test_a_file_appears_only_when_it_is_complete(tmp_path):
    path = tmp_path / "completion.csv"
    with atomic_output(path) as handle:
        handle.write("first")
    assert path.read_text() == "first"
    with pytest.raises(RuntimeError):
        with atomic_output(path) as handle:
            handle.write("half")
            raise RuntimeError("disk full")
    # The earlier good file is untouched and no .part file is left behind.
    assert path.read_text() == "first" and list(tmp_path.iterdir()) == [path]
