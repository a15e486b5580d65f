from rest_framework import serializers


class StrictBooleanField(serializers.BooleanField):
    """Only JSON true/false: DRF's BooleanField would also take 0, 1, "yes", "off"…"""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)
