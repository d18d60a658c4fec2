"""The query language and ``SearchRequest`` -> ``SearchResults``, one concept a module.

The syntax is described in ``parser``.

Modules: ``parser`` (syntax -> atoms), ``atoms`` (the parsed query and its
read_as), ``fields`` (``field:value`` -> a filter atom, dates -> intervals),
``request`` (request and results objects), ``evaluate`` (atoms -> documents), ``rank`` (scores and order),
``facets``, ``run`` (the orchestration), ``documents`` (by id, original file),
``positions`` (NEAR/SENT/PARA/$n over one text), ``variants`` (the abbreviation
dictionary behind ``~term``), ``suggest`` (suggestions as you type).
"""

from search.query.atoms import Atom, ParsedQuery
from search.engines.embedded.documents import find_document, original_file, sibling_documents
from search.engines.embedded.evaluate import Matcher, evaluate, request_query, terms_to_mark
from search.engines.embedded.facets import archive_facet_counts, count_facets
from search.query.fields import FIELDS, parse_interval
from search.query.parser import FACETS, MAX_PER_PAGE, MAX_QUERY_LENGTH, MODES, SORTS, parse_query
from search.engines.embedded.rank import Scorer, length_norms
from search.query.request import FacetValue, Hit, SearchRequest, SearchResults
from search.engines.embedded.run import all_hits, matching_documents, matching_ids, search, warm_up

__all__ = [
    "FACETS", "FIELDS", "MAX_PER_PAGE", "MAX_QUERY_LENGTH", "MODES", "SORTS",
    "Atom", "FacetValue", "Hit", "Matcher", "ParsedQuery", "Scorer", "SearchRequest", "SearchResults",
    "all_hits", "archive_facet_counts", "count_facets", "evaluate", "find_document", "length_norms",
    "matching_documents", "matching_ids", "original_file", "parse_interval", "parse_query", "request_query", "search",
    "sibling_documents", "terms_to_mark", "warm_up",
]
