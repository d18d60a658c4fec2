"""The query language and ``SearchRequest`` -> ``SearchResults``, one concept a module.

The syntax is described in ``parser``.

Modules: ``parser`` (syntax -> atoms), ``atoms`` (the parsed query and its
read_as), ``fields`` (``field:value`` -> a filter atom, dates -> intervals),
``request`` (request and results objects), ``positions`` (NEAR/SENT/PARA/$n over one text), ``variants`` (the abbreviation
dictionary behind ``~term``), ``facet_values``, ``advanced`` (the 高级检索 form), ``pinyin``.
Engine-neutral: evaluating a query is each engine's own work (``search.engines.embedded.evaluate``
and ``run``, ``search.engines.opensearch.query``).
"""

from search.query.atoms import Atom, ParsedQuery
from search.query.fields import FIELDS, parse_interval
from search.query.parser import MAX_PER_PAGE, MAX_QUERY_LENGTH, MODES, SORTS, parse_query
from search.query.request import FacetValue, Hit, SearchRequest, SearchResults

__all__ = [
    "FIELDS",
    "MAX_PER_PAGE",
    "MAX_QUERY_LENGTH",
    "MODES",
    "SORTS",
    "Atom",
    "FacetValue",
    "Hit",
    "ParsedQuery",
    "SearchRequest",
    "SearchResults",
    "parse_interval",
    "parse_query",
]
