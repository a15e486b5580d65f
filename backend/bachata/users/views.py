from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.views import TokenRefreshView

from . import cookies, services
from .serializers import (
    AuthResponseSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    ProfileUpdateSerializer,
    RefreshSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserSerializer,
)


def _auth_response(user, http_status=status.HTTP_200_OK) -> Response:
    tokens = services.user_tokens(user)
    response = Response({**tokens, "user": UserSerializer(user).data}, status=http_status)
    return cookies.refresh_cookie_set(response, tokens["refresh"])


class RegisterView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=RegisterSerializer, responses={201: AuthResponseSerializer}, auth=[])
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        return _auth_response(user, status.HTTP_201_CREATED)


class LoginView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=LoginSerializer, responses={200: AuthResponseSerializer}, auth=[])
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = services.user_login(
            identifier=data.get("username") or data["email"], password=data["password"]
        )
        return _auth_response(user)


class RefreshView(TokenRefreshView):
    @extend_schema(request=RefreshSerializer, responses={200: TokenPairSerializer}, auth=[])
    def post(self, request, *args, **kwargs):
        refresh = cookies.refresh_from_request(request)  # the body's, else the web app's cookie
        serializer = self.get_serializer(data={"refresh": refresh} if refresh else {})
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        response = Response(serializer.validated_data)
        return cookies.refresh_cookie_set(response, serializer.validated_data.get("refresh", refresh))


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RefreshSerializer, responses={204: None})
    def post(self, request):
        refresh = cookies.refresh_from_request(request)
        serializer = RefreshSerializer(data={"refresh": refresh} if refresh else {})
        serializer.is_valid(raise_exception=True)
        services.user_logout(refresh=serializer.validated_data["refresh"])
        return cookies.refresh_cookie_clear(Response(status=status.HTTP_204_NO_CONTENT))


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: UserSerializer})
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(request=ProfileUpdateSerializer, responses={200: UserSerializer})
    def put(self, request):
        serializer = ProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, data=serializer.validated_data)
        return Response(UserSerializer(user).data)

    @extend_schema(request=ProfileUpdateSerializer, responses={200: UserSerializer})
    def patch(self, request):
        return self.put(request)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PasswordChangeSerializer, responses={200: TokenPairSerializer})
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens = services.user_change_password(user=request.user, **serializer.validated_data)
        return cookies.refresh_cookie_set(Response(tokens), tokens["refresh"])
