"""Request-body strictness: a JSON value must already have the type the OpenAPI schema gives its field.

DRF coerces scalars leniently (0 -> "0" for a text field, "5" -> 5 for a number, 1 -> true, an integer -> a
UUID), so a body the schema calls invalid was accepted. `StrictJSONSerializer` (or `StrictJSONMixin` in front
of another serializer base) refuses such values with a 400 naming the field, before DRF's own validation.
Query-parameter and multipart serializers do not use it: those values arrive as text by nature.
"""

from collections.abc import Mapping

from rest_framework import serializers

TEXT = "Must be text."
WHOLE_NUMBER = "Must be a whole number."
NUMBER = "Must be a number."
TRUE_OR_FALSE = "Must be true or false."
LIST = "Must be a list."
OBJECT = "Must be an object."


def json_type_error(field: serializers.Field, value) -> str | list | None:
    """What is wrong with `value`'s JSON type for `field` (None when it fits; nulls are the field's business)."""
    if value is None:
        return None
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else TRUE_OR_FALSE
    if isinstance(field, serializers.IntegerField):
        return None if isinstance(value, int) and not isinstance(value, bool) else WHOLE_NUMBER
    if isinstance(field, serializers.FloatField | serializers.DecimalField):
        return None if isinstance(value, int | float) and not isinstance(value, bool) else NUMBER
    if isinstance(field, serializers.ChoiceField):
        # Every choice set of this API is text.
        return None if isinstance(value, str) else TEXT
    if isinstance(field, serializers.CharField | serializers.UUIDField):
        return None if isinstance(value, str) else TEXT
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return LIST
        problems = [(index, json_type_error(field.child, item)) for index, item in enumerate(value)]
        wrong = [f"Item {index + 1}: {p[0] if isinstance(p, list) else p}" for index, p in problems if p]
        return wrong or None
    if isinstance(field, serializers.BaseSerializer | serializers.DictField):
        # A nested serializer checks its own fields (it uses the mixin too).
        return None if isinstance(value, Mapping) else OBJECT
    return None


# Refuses body values whose JSON type is not the field's (see the module docstring). Comments, not docstrings,
# on these classes: drf-spectacular would print an inherited docstring as every request schema's description.
class StrictJSONMixin:
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            for name, field in self.fields.items():
                if field.read_only or name not in data:
                    continue
                problem = json_type_error(field, data[name])
                if problem:
                    errors[name] = problem if isinstance(problem, list) else [problem]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


# The base of every JSON request-body serializer.
class StrictJSONSerializer(StrictJSONMixin, serializers.Serializer):
    pass


class StrictBooleanField(serializers.BooleanField):
    """Only JSON true/false: DRF's BooleanField would also take 0, 1, "yes", "off"…"""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)
