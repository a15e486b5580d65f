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
