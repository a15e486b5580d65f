from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """20 items a page (legacy parity); `?page=N`. Out-of-range pages answer 404 in the API error shape.

    `page` is what the schema says, a whole number from 1: DRF would read `?page=` as page 1 and `?page=last`
    as the last page; here anything but digits is a 400 naming the parameter.
    """

    page_size = 20
    page_query_param = "page"
    last_page_strings = ()

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not (raw.isascii() and raw.isdigit()):
            raise serializers.ValidationError({self.page_query_param: ["Enter a whole page number from 1."]})
        return raw

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters
