"""Real OpenSearch nodes for the tests, started by scripts/opensearch.sh (the assembled home is cached).

Skipped, loudly, only where Java is missing; any other failure to start fails the tests.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from search.engines.opensearch.engine import OpenSearchEngine, document_source

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "opensearch.sh"


def opensearch(*args: str, timeout: float = 600) -> str:
    """Run scripts/opensearch.sh; its stdout (URLs), or the test fails with its stderr."""
    if shutil.which("java") is None:
        message = "NO JAVA ON THIS MACHINE: the OpenSearch tests are SKIPPED (install openjdk-17-jre-headless)"
        warnings.warn(message, stacklevel=2)
        pytest.skip(message)
    # C1 only: the nodes start in about half the time, and the tests are not about speed.
    env = {**os.environ, "OPENSEARCH_JAVA_OPTS": os.environ.get("OPENSEARCH_JAVA_OPTS", "-XX:TieredStopAtLevel=1")}
    done = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout, env=env)
    if done.returncode != 0:
        pytest.fail(f"scripts/opensearch.sh {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def start_cluster(name: str, nodes: int = 1) -> list[str]:
    """A fresh cluster of ``nodes`` nodes on loopback: its node URLs."""
    opensearch("wipe", "--cluster", name)
    return opensearch("start", "--cluster", name, "--nodes", str(nodes)).split()


# -- a synthetic corpus: few distinct characters, so phrases recur across documents and paragraphs

ALPHABET = "中原科技城建设发展 。,“”AbC"
DISTRICTS = ("二七区", "中原区", "郑东新区", None)
TOPICS = ("就业", "城市建设", "营商环境")
DATES = ("2019", "2020-07", "2020-07-18", "2020-08-02", "2021-01", None)


def synthetic_sources(count: int = 60, seed: int = 7) -> list[dict]:
    """Documents as our ingest would send them (``document_source``), random but fixed."""
    rng = random.Random(seed)
    sources = []
    for n in range(count):
        paragraphs = [
            "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40))).strip() or "中"
            for _ in range(rng.randint(1, 4))
        ]
        title = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 8))).strip() or "标题"
        district, published = rng.choice(DISTRICTS), rng.choice(DATES)
        topics = sorted(set(rng.sample(TOPICS, rng.randint(0, 2))))
        fields = {
            "id": f"doc-{n:03d}",
            "path": f"/synthetic/{n:03d}.txt",
            "source": f"{n:03d}.txt",
            "encoding": "utf-8",
            "item": 0,
            "title": title,
            "text": "\n".join(paragraphs),
            "district": (district or "").encode(),
            "published": (published or "").encode(),
            "topics": "|".join(topics).encode(),
            "file_sig": f"/synthetic/{n:03d}.txt\tsig{n}".encode(),
        }
        sources.append(document_source(fields, items=1))
    return sources


def fresh_index(url: str, name: str, shards: int = 1, replicas: int = 0) -> OpenSearchEngine:
    engine = OpenSearchEngine(f"{url}/{name}")
    engine.drop()
    engine.create(shards=shards, replicas=replicas)
    return engine
