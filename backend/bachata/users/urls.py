from bachata.api.routing import api_path

from . import views

urlpatterns = [
    api_path("auth/register", views.RegisterView.as_view(), "auth-register"),
    api_path("auth/login", views.LoginView.as_view(), "auth-login"),
    api_path("auth/refresh", views.RefreshView.as_view(), "auth-refresh"),
    api_path("auth/logout", views.LogoutView.as_view(), "auth-logout"),
    api_path("auth/me", views.MeView.as_view(), "auth-me"),
    api_path("auth/password", views.PasswordChangeView.as_view(), "auth-password"),
]
