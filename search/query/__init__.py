"""The query language and ``SearchRequest`` -> ``SearchResults``, one concept a module.

The syntax is described in ``parser``.

Modules: ``parser`` (syntax -> atoms), ``atoms`` (the parsed query and its
read_as), ``fields`` (``field:value`` -> a filter atom, dates -> intervals),
``request`` (request and results objects), ``evaluate`` (atoms -> documents), ``rank`` (scores and order),
``facets``, ``run`` (the orchestration), ``documents`` (by id, original file),
``positions`` (NEAR/SENT/PARA/$n over one text), ``variants`` (the abbreviation
dictionary behind ``~term``), ``suggest`` (suggestions as you type).
"""

from .atoms import Atom, ParsedQuery
from .documents import find_document, original_file, sibling_documents
from .evaluate import Matcher, evaluate, request_query, terms_to_mark
from .facets import archive_facet_counts, count_facets
from .fields import FIELDS, parse_interval
from .parser import FACETS, MAX_PER_PAGE, MAX_QUERY_LENGTH, MODES, SORTS, parse_query
from .rank import Scorer, length_norms
from .request import FacetValue, Hit, SearchRequest, SearchResults
from .run import all_hits, matching_documents, matching_ids, search, warm_up

__all__ = [
    "FACETS", "FIELDS", "MAX_PER_PAGE", "MAX_QUERY_LENGTH", "MODES", "SORTS",
    "Atom", "FacetValue", "Hit", "Matcher", "ParsedQuery", "Scorer", "SearchRequest", "SearchResults",
    "all_hits", "archive_facet_counts", "count_facets", "evaluate", "find_document", "length_norms",
    "matching_documents", "matching_ids", "original_file", "parse_interval", "parse_query", "request_query", "search",
    "sibling_documents", "terms_to_mark", "warm_up",
]
