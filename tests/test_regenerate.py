"""s7/studies/report/regenerate.py: each generated part is written between its own markers and nowhere else,
its words as given, and a file without the markers is refused rather than left as it was."""
import pytest

from s7.studies.report.regenerate import END, START, replace_block


def test_a_generated_part_is_replaced_between_its_own_markers_and_nothing_else():
    assert (START.format("a"), END.format("a")) == ("<!-- generated:a start -->", "<!-- generated:a end -->")
    text = ("# Title\n<!-- generated:a start -->\nold a\n<!-- generated:a end -->\nprose between\n"
            "<!-- generated:b start -->\nold b\n<!-- generated:b end -->\n")
    out = replace_block(text, "a", "new a\nsecond line")
    assert out == ("# Title\n<!-- generated:a start -->\nnew a\nsecond line\n<!-- generated:a end -->\nprose between\n"
                   "<!-- generated:b start -->\nold b\n<!-- generated:b end -->\n")
    assert replace_block(out, "a", "new a\nsecond line") == out
    kept = replace_block(text, "b", r"a table cell with \1 and \d in it")             # written as given
    assert "<!-- generated:b start -->\na table cell with \\1 and \\d in it\n<!-- generated:b end -->" in kept
    with pytest.raises(ValueError, match="generated:c start"):
        replace_block(text, "c", "x")
