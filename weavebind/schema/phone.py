"""`phoneNumber` values, parsed as Weaviate parses them (libphonenumber; here its Python port `phonenumbers`): the
client sends `{"input", "defaultCountry"?}`, Weaviate stores and returns the parsed fields beside them."""

from __future__ import annotations

from typing import Any

import phonenumbers

_INVALID_COUNTRY = ("invalid phone number: invalid or missing defaultCountry - this field is optional if the "
                    "specified number is in the international format, but required if the number is in national "
                    "format, use ISO 3166-1 alpha-2")


class PhoneError(ValueError):
    """A phoneNumber value that cannot be stored; the message is Weaviate's."""


def parse_phone(value: Any) -> dict[str, Any]:
    """`{"input": str, "defaultCountry"?: str}` → the stored phoneNumber object. Fields that are empty, zero or
    false are left out, as Weaviate's JSON does (`omitempty`)."""
    if not isinstance(value, dict) or not isinstance(value.get("input"), str):
        raise PhoneError("requires an object with a string 'input'")
    country = value.get("defaultCountry") or ""
    if not isinstance(country, str):
        raise PhoneError("'defaultCountry' must be a string (ISO 3166-1 alpha-2)")
    country = country.upper()
    try:
        number = phonenumbers.parse(value["input"], country or None)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise PhoneError(_INVALID_COUNTRY) from None
        raise PhoneError(f"invalid phone number: {exc._msg}") from None
    parsed = {
        "input": value["input"], "defaultCountry": country,
        "internationalFormatted": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        "countryCode": number.country_code or 0, "national": number.national_number or 0,
        "nationalFormatted": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        "valid": phonenumbers.is_valid_number(number),
    }
    return {key: item for key, item in parsed.items() if item or key == "input"}
