"""The API's JSON parser: DRF's, refusing what would otherwise become a 500 further in.

JSON nested deeper than Python's recursion limit (RecursionError), text with lone surrogates (no UTF-8 can
hold them: rendering an error that quotes one fails) and NUL characters (PostgreSQL text and jsonb cannot hold
them) are a 400 in the API's error shape. A NUL in a top-level field's own text is left to the serializer's
field (DRF's CharField refuses it with a message for that field); nested values and keys are checked here.
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 64


def _check_text(text: str, *, nul_allowed: bool = False) -> None:
    if "\x00" in text and not nul_allowed:
        raise ParseError("The request contains a NUL character, which no field accepts.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ParseError("The request contains invalid text (an unpaired surrogate).") from None


def check_json_value(data) -> None:
    """Walk the parsed value without recursion: every string (keys too) valid, nesting at most MAX_DEPTH."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value, nul_allowed=depth == 2 and isinstance(data, dict))
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ParseError(f"The JSON is nested too deeply (at most {MAX_DEPTH} levels).")
            items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in items:
                if key is not None:
                    _check_text(key)
                stack.append((item, depth + 1))


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"The JSON is nested too deeply (at most {MAX_DEPTH} levels).") from None
        check_json_value(data)
        return data
