import pytest
from django.core.exceptions import ImproperlyConfigured

from bachata.queryparser import get_query_parser
from bachata.queryparser.gemini import GeminiQueryParser
from bachata.queryparser.rules import RuleBasedQueryParser


@pytest.mark.parametrize(("choice", "key"), [("auto", ""), ("rules", ""), ("rules", "a-key")])
def test_rules_parser(settings, choice, key):
    settings.QUERY_PARSER, settings.GEMINI_API_KEY = choice, key
    assert isinstance(get_query_parser(), RuleBasedQueryParser)


@pytest.mark.parametrize("choice", ["auto", "gemini"])
def test_gemini_parser_when_a_key_is_set(settings, choice):
    settings.QUERY_PARSER, settings.GEMINI_API_KEY = choice, "a-key"
    settings.GEMINI_MODEL, settings.GEMINI_BASE_URL, settings.GEMINI_TIMEOUT_SECONDS = (
        "gemini-x",
        "http://127.0.0.1:9",
        2.5,
    )
    parser = get_query_parser()
    assert isinstance(parser, GeminiQueryParser)
    assert parser.model == "gemini-x"
    assert get_query_parser() is parser


@pytest.mark.parametrize(("choice", "key"), [("gemini", ""), ("openai", "a-key")])
def test_bad_configuration_is_refused(settings, choice, key):
    settings.QUERY_PARSER, settings.GEMINI_API_KEY = choice, key
    with pytest.raises(ImproperlyConfigured):
        get_query_parser()
