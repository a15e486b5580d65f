from django.db import models


class RateLimitCounter(models.Model):
    """Requests counted per client and fixed time window, shared by every API worker and instance."""

    key = models.CharField(max_length=200, primary_key=True)
    window_start = models.DateTimeField()
    count = models.IntegerField()

    class Meta:
        db_table = "api_rate_limits"

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.window_start:%H:%M:%S}"


class LoginFailure(models.Model):
    """Failed logins per subject (an account, or an unknown name): bachata.users.lockout's atomic counter."""

    subject = models.CharField(max_length=100, primary_key=True)
    failures = models.IntegerField()
    updated_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True)

    class Meta:
        db_table = "api_login_failures"

    def __str__(self) -> str:
        return f"{self.subject}: {self.failures}"
