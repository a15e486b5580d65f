from django.contrib.auth.validators import UnicodeUsernameValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bachata.api.fields import StrictBooleanField, StrictJSONSerializer

from .models import User


class PreferencesSerializer(StrictJSONSerializer):
    auto_save_choreographies = StrictBooleanField(required=False, default=True)


class UserSerializer(serializers.ModelSerializer):
    preferences = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "email", "display_name", "is_instructor", "preferences", "date_joined"]
        read_only_fields = fields

    @extend_schema_field(PreferencesSerializer)
    def get_preferences(self, user) -> dict:
        return {"auto_save_choreographies": user.auto_save_choreographies}


class RegisterSerializer(StrictJSONSerializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)
    display_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class LoginSerializer(StrictJSONSerializer):
    username = serializers.CharField(
        max_length=254, required=False, allow_blank=False, help_text="Username or email address"
    )
    email = serializers.EmailField(max_length=254, required=False, help_text="Alternative to username")
    password = serializers.CharField(max_length=128, trim_whitespace=False)

    def validate(self, attrs):
        if not attrs.get("username") and not attrs.get("email"):
            raise serializers.ValidationError({"username": ["Enter your username or email address."]})
        return attrs


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class AuthResponseSerializer(TokenPairSerializer):
    user = UserSerializer()


class RefreshSerializer(StrictJSONSerializer):
    refresh = serializers.CharField()


class ProfileUpdateSerializer(StrictJSONSerializer):
    display_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False)
    preferences = PreferencesSerializer(required=False)


class PasswordChangeSerializer(StrictJSONSerializer):
    current_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)
