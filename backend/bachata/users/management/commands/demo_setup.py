import os

from django.core.management.base import BaseCommand

from bachata.users.models import User


class Command(BaseCommand):
    help = (
        "Create (or reset) the local demo staff user and print its credentials. For local development only."
    )

    def handle(self, *args, **options):
        username = os.environ.get("DEMO_USERNAME", "demo")
        password = os.environ.get("DEMO_PASSWORD", "bachata-demo")
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@example.com", "display_name": "Demo Instructor"},
        )
        user.is_staff = user.is_superuser = user.is_instructor = True
        user.set_password(password)
        user.save()
        verb = "Created" if created else "Reset"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} demo staff user — username: {username}  password: {password}")
        )
