"""`get_query_parser()`: the parser the settings choose (QUERY_PARSER=auto|rules|gemini)."""

from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .interface import QueryParser
from .rules import RuleBasedQueryParser


@lru_cache(maxsize=4)
def _gemini(api_key: str, model: str, base_url: str, timeout_seconds: float):
    from .gemini import GeminiQueryParser

    return GeminiQueryParser(api_key, model=model, base_url=base_url or None, timeout_seconds=timeout_seconds)


def get_query_parser() -> QueryParser:
    """auto: Gemini when GEMINI_API_KEY is set, else rules; gemini: Gemini, and the key is required."""
    choice = settings.QUERY_PARSER
    if choice not in ("auto", "rules", "gemini"):
        raise ImproperlyConfigured(f"QUERY_PARSER must be auto, rules or gemini, not {choice!r}")
    if choice == "rules" or (choice == "auto" and not settings.GEMINI_API_KEY):
        return RuleBasedQueryParser()
    if not settings.GEMINI_API_KEY:
        raise ImproperlyConfigured("QUERY_PARSER=gemini needs GEMINI_API_KEY")
    return _gemini(
        settings.GEMINI_API_KEY,
        settings.GEMINI_MODEL,
        settings.GEMINI_BASE_URL,
        settings.GEMINI_TIMEOUT_SECONDS,
    )
