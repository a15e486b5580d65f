"""A real password hasher (Django's MD5 one) that counts its verifications, for cost assertions."""

import threading

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingMD5PasswordHasher(MD5PasswordHasher):
    algorithm = "md5"  # reads the hashes the test fixtures make
    _lock = threading.Lock()
    checks = 0

    def verify(self, password, encoded):
        with CountingMD5PasswordHasher._lock:
            CountingMD5PasswordHasher.checks += 1
        return super().verify(password, encoded)


@classmethod
def _reset(cls):
    cls.checks = 0


CountingMD5PasswordHasher.reset = _reset
