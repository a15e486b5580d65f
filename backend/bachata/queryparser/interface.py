"""The query parser interface: a choreography description in words → ParsedQuery."""

from typing import Protocol

from .schema import ParsedQuery


class QueryParser(Protocol):
    def parse(self, text: str) -> ParsedQuery:
        """Never raises for any text; the answer always uses the shared vocabulary."""
