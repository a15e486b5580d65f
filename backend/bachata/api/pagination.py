from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """20 items a page (legacy parity); `?page=N`. Out-of-range pages answer 404 in the API error shape."""

    page_size = 20
    page_query_param = "page"
