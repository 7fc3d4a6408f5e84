"""Check-digit rules for PRC resident identity numbers (bot/privacy/checksums.py)."""

from __future__ import annotations

import pytest

from bot.privacy.checksums import cn_resident_id_check_char, is_valid_cn_resident_id


def test_check_char_of_the_gb11643_example_is_x() -> None:
    assert cn_resident_id_check_char("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param("11010519491231002X", True, id="standard example, check X"),
        pytest.param("11010519491231002x", True, id="lower-case x"),
        pytest.param("440305199003071236", True, id="Shenzhen"),
        pytest.param("510107200002290010", True, id="born on a leap day"),
        pytest.param("110105194912310021", False, id="wrong check character"),
        pytest.param("440305199003071234", False, id="wrong check digit"),
        pytest.param("110105194902300020", False, id="30 February, right check character"),
        pytest.param("510107199902290010", False, id="29 February of a common year"),
        pytest.param("990105194912310023", False, id="no such province"),
        pytest.param("110105189912310023", False, id="born before 1900"),
        pytest.param("11010519491231002", False, id="17 characters"),
        pytest.param("1101051949123100211", False, id="19 characters"),
        pytest.param("11010519491231002Y", False, id="check character not 0-9 or X"),
    ],
)
def test_cn_resident_id_validity(value: str, valid: bool) -> None:
    assert is_valid_cn_resident_id(value) is valid
