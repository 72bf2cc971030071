import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.idnumber import (
    check_digit,
    gender_from_id,
    id_number_problem,
    is_valid_id_number,
    mask_id_number,
    normalize,
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


def test_full_width_digits_and_x_are_normalised_before_validation():
    from portal.idnumber import normalize_phone

    full_width = "１１０１０５１９４９１２３１００２Ｘ"
    assert normalize(full_width) == "11010519491231002X"
    assert id_number_problem(full_width) is None
    assert normalize_phone("１３８ ００１３ ８０００") == "13800138000"
    assert phone_problem("１３８００１３８０００") is None
    assert phone_problem("０１０－１２３４５６７８") is None


@pytest.mark.django_db
def test_a_person_typed_with_full_width_digits_is_stored_normalised(tree):
    from portal.models import Person

    person = Person(name="全角", gender="F", id_number="１１０１０５１９４９１２３１００２Ｘ",
                    phone="１３８００１３８０００", home_org=tree.village_a1)
    person.full_clean()
    person.save()
    person.refresh_from_db()
    assert (person.id_number, person.phone) == ("11010519491231002X", "13800138000")
