from hypothesis import given
from hypothesis import strategies as st

from portal.idnumber import (
    check_digit,
    gender_from_id,
    id_number_problem,
    is_valid_id_number,
    mask_id_number,
    phone_problem,
)

first17s = st.builds(
    lambda area, y, m, d, seq: f"{area:06d}{y:04d}{m:02d}{d:02d}{seq:03d}",
    st.integers(110000, 659999), st.integers(1930, 2005), st.integers(1, 12),
    st.integers(1, 28), st.integers(0, 999),
)


def test_known_check_digit():
    # The worked example of GB 11643-1999.
    assert check_digit("11010519491231002") == "X"
    assert is_valid_id_number("11010519491231002X")


@given(first17s)
def test_generated_numbers_validate(first17):
    assert is_valid_id_number(first17 + check_digit(first17))


@given(first17s, st.sampled_from("0123456789X"))
def test_any_wrong_check_digit_is_refused(first17, wrong):
    if wrong != check_digit(first17):
        assert id_number_problem(first17 + wrong) == "身份证号校验位错误，请核对。"


def test_shape_and_date_problems():
    assert "18位" in id_number_problem("12345")
    assert "出生日期" in id_number_problem("110105194913310021")


def test_lowercase_x_is_accepted():
    assert is_valid_id_number("11010519491231002x")


def test_mask_and_gender():
    assert mask_id_number("510104198001011234") == "5101**********1234"
    assert gender_from_id("11010519491231002X") == "F"


def test_phone():
    assert phone_problem("13812345678") is None
    assert phone_problem("0832-1234567") is None
    assert phone_problem("") is None
    assert phone_problem("12345") is not None
