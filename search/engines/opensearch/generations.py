"""Atomic rebuilds: the index URL names an alias over one concrete index, a generation.

``search index --rebuild`` on OpenSearch builds the next generation
(``govsearch-<n>``, its ``_meta`` naming the alias it is built for) while the
alias keeps serving the current one, then moves the alias in one ``_aliases``
request and deletes the old generation.  Readers see the old index or the new
one, never a half-built one; a rebuild killed midway leaves the alias where it
was, and its half-built generation is deleted by the next rebuild that
completes.  An index of the URL's own name made before generations existed
(``OpenSearchEngine.create``) is replaced in the same request
(``remove_index``).  One rebuild at a time: a second one started meanwhile
would delete the first's generation when it completes.
"""

from __future__ import annotations

import re

from search.engines.opensearch.engine import OpenSearchEngine
from search.engines.opensearch.mapping import index_body


def serving(engine: OpenSearchEngine) -> list[str]:
    """The concrete indexes the URL's name reaches now: the alias' targets, or the index of that name."""
    if engine.call(engine.client.indices.exists_alias, name=engine.name):
        return sorted(engine.call(engine.client.indices.get_alias, name=engine.name))
    if engine.call(engine.client.indices.exists, index=engine.name):
        return [engine.name]
    return []


def generations(engine: OpenSearchEngine) -> dict[str, int]:
    """Every generation built for this alias (serving, finished or abandoned): index name -> n."""
    pattern = re.compile(re.escape(engine.name) + r"-(\d+)")
    found = engine.call(
        engine.client.indices.get,
        index=f"{engine.name}-*",
        ignore_unavailable=True,
        allow_no_indices=True,
        expand_wildcards="open,closed",
    )
    ours = {}
    for name, description in found.items():
        matched = pattern.fullmatch(name)
        meta = description.get("mappings", {}).get("_meta", {})
        if matched and meta.get("govsearch_alias") == engine.name:
            ours[name] = int(matched.group(1))
    return ours


def next_generation(engine: OpenSearchEngine, shards: int = 1, replicas: int = 0) -> OpenSearchEngine:
    """A new, empty generation (not yet serving) and an engine that writes to it."""
    number = max(generations(engine).values(), default=0) + 1
    target = OpenSearchEngine(f"{engine.base}/{engine.name}-{number}")
    engine.call(engine.client.indices.create, index=target.name, body=index_body(shards, replicas, alias=engine.name))
    return target


def promote(engine: OpenSearchEngine, target: OpenSearchEngine) -> list[str]:
    """Point the alias at ``target`` in one request, then delete the other generations (and an old
    index of the alias' name); returns what was deleted."""
    current = serving(engine)
    actions = [{"add": {"index": target.name, "alias": engine.name}}]
    for name in current:
        if name == engine.name:
            actions.append({"remove_index": {"index": name}})
        elif name != target.name:
            actions.append({"remove": {"index": name, "alias": engine.name}})
    engine.call(engine.client.indices.update_aliases, body={"actions": actions})
    engine.checked = False
    doomed = sorted(name for name in generations(engine) if name != target.name)
    if doomed:
        engine.call(engine.client.indices.delete, index=",".join(doomed), ignore_unavailable=True)
    return [n for n in current if n == engine.name] + doomed
