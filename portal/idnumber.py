"""Chinese resident identity number (GB 11643-1999): check digit, validation, masking.

Pure functions, no ORM: tested with hypothesis.
"""

import datetime
import re
import unicodedata

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalize(value: str) -> str:
    """NFKC first: full-width digits and Ｘ typed on a Chinese keyboard become 0-9 and X."""
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def normalize_phone(value: str) -> str:
    """Full-width digits and dashes to ASCII, spaces dropped (１３８ ００１３ ８０００)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or ""))


def id_number_problem(value: str) -> str | None:
    """A Chinese message saying what is wrong with an ID number, or None when it is valid."""
    value = normalize(value)
    if not _SHAPE.match(value):
        return "身份证号应为18位，前17位为数字，最后一位为数字或X。"
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效。"
    if not (datetime.date(1900, 1, 1) <= birth <= datetime.date.today()):
        return "身份证号中的出生日期超出合理范围。"
    if check_digit(value[:17]) != value[17]:
        return "身份证号校验位错误，请核对。"
    return None


def is_valid_id_number(value: str) -> bool:
    return id_number_problem(value) is None


def gender_from_id(value: str) -> str:
    """'M' or 'F' from the 17th digit (odd = male)."""
    return "M" if int(normalize(value)[16]) % 2 else "F"


def mask_id_number(value: str) -> str:
    """Keep the first four and last four characters: 5101**********1234."""
    value = normalize(value)
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


PHONE_PATTERN = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def phone_problem(value: str) -> str | None:
    """A Chinese message when a phone number is neither a mobile nor a landline number."""
    value = normalize_phone(value)
    if value and not PHONE_PATTERN.match(value):
        return "电话号码格式不正确（应为11位手机号或带区号的固定电话）。"
    return None
