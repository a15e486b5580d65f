"""The Gemini parser (google-genai): JSON output checked against the shared schema, with the rule-based
parser as the fallback on any error, timeout or invalid answer (`fallback_reason` says which)."""

import json
import logging
from dataclasses import replace

from google import genai
from google.genai import types

from bachata.moves.vocabulary import MOVE_LABELS

from .rules import RuleBasedQueryParser
from .schema import DEFAULTS, MAX_QUERY_CHARS, ParsedQuery, parsed_query_from_json, response_json_schema

logger = logging.getLogger(__name__)

INSTRUCTIONS = f"""You turn a dancer's description of the Bachata choreography they want into parameters.
Answer with one JSON object following the response schema:
- difficulty: beginner | intermediate | advanced
- energy_level: low | medium | high
- style: romantic | energetic | sensual | playful
- tempo: slow | medium | fast (about: slow up to 120 BPM, fast from 135 BPM)
- bpm: the tempo in beats per minute if the description gives a number, else null
- specific_moves: moves the description asks for, only from: {", ".join(MOVE_LABELS)}
- understood: for each value the description decided, the exact words (lower case), the field and the value;
  set negated to true for words that exclude something ("no spins").
Fields the description does not decide take these defaults: {json.dumps(DEFAULTS)}.
Moves the description rules out ("no spins") are not in specific_moves.
"""


class GeminiQueryParser:
    def __init__(
        self,
        api_key: str,
        *,
        model: str = "gemini-2.5-flash",
        base_url: str | None = None,
        timeout_seconds: float = 10.0,
        fallback: RuleBasedQueryParser | None = None,
    ):
        self.model = model
        self.fallback = fallback or RuleBasedQueryParser()
        self.client = genai.Client(
            api_key=api_key,
            http_options=types.HttpOptions(
                base_url=base_url or None,
                timeout=int(timeout_seconds * 1000),  # milliseconds
                retry_options=types.HttpRetryOptions(attempts=1),  # the fallback answers instead of a retry
            ),
        )
        self.config = types.GenerateContentConfig(
            system_instruction=INSTRUCTIONS,
            response_mime_type="application/json",
            response_json_schema=response_json_schema(),
            temperature=0.0,
        )

    def parse(self, text: str) -> ParsedQuery:
        text = str(text)[:MAX_QUERY_CHARS]
        if not text.strip():
            return self.fallback.parse(text)  # nothing to ask about
        try:
            response = self.client.models.generate_content(
                model=self.model, contents=text, config=self.config
            )
            return parsed_query_from_json(json.loads(response.text or ""), source="gemini")
        except Exception as exc:  # any failure: answer with the rules instead, and say so
            reason = f"gemini: {type(exc).__name__}: {str(exc)[:200]}"
            logger.warning("query parser falling back to rules (%s)", reason)
            return replace(self.fallback.parse(text), fallback_reason=reason)
