"""Natural-language choreography descriptions → {difficulty, energy_level, style, tempo, specific_moves}.

from bachata.queryparser import get_query_parser
parsed = get_query_parser().parse("romantic beginner routine, not too fast, with some spins")
parsed.parameters(), parsed.understood, parsed.source, parsed.fallback_reason
"""

from .factory import get_query_parser
from .interface import QueryParser
from .schema import ParsedQuery, Understood

__all__ = ["ParsedQuery", "QueryParser", "Understood", "get_query_parser"]
