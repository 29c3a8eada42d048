"""Failure-message template miner: typed masking in front of drain3's Drain.

drain3 is imported lazily (inside the miner) because this package is a pytest plugin imported
at every pytest start, and drain3 pulls in jsonpickle and cachetools. The miner makes one pass
over its input in arrival order; ``result()`` reports each message's final cluster, after
merging clusters whose final templates are identical (the LogPAI scoring convention), which
looks at clusters only and never revisits the messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from pytest_autopack.patterns.masking import PLACEHOLDERS, mask


@dataclass(frozen=True)
class MinerConfig:
    """The one configuration used for every input (PATTERNS.md forbids per-dataset settings)."""

    similarity_threshold: float = 0.8
    depth: int = 4
    max_children: int = 100
    mask: bool = True
    guarded_similarity: bool = True
    #: Failure streams repeat the same text many times; masking is the costly step, so the miner
    #: memoises it per instance (bounded LRU; 0 disables it). The partition is the same either way.
    mask_cache_size: int = 65_536
    merge_identical_templates: bool = True


@dataclass(frozen=True)
class MinedCluster:
    """One mined template and the input positions that belong to it."""

    cluster_id: int
    template: str
    size: int
    member_indices: tuple[int, ...]


@dataclass(frozen=True)
class MiningResult:
    """The final partition: a cluster id per input message and the clusters themselves."""

    assignments: list[int]
    clusters: dict[int, MinedCluster]


def _number_variants(a: str, b: str) -> bool:
    """True when two tokens are the singular and plural of one word ("test"/"tests").

    The labelling convention makes singular/plural wording a different template ("1 test failed"
    vs "3 tests failed"), so such tokens must never be generalised to a wildcard.
    """
    if len(a) > len(b):
        a, b = b, a
    return b.startswith(a) and b[len(a) :] in {"s", "es", "s:", "es:", "s,", "es,"} and a[:1].isalpha()


def _distinct_constants(a: str, b: str) -> bool:
    """True when two differing tokens are constants that name different failure classes.

    Masking leaves a bare number only where it is a status code (``status: 404``), and those
    are part of the template; singular and plural of one word are different templates too.
    """
    return (a.isdigit() and b.isdigit()) or _number_variants(a, b)


_DIGIT_RUN = re.compile(r"\d+")


def _same_shape(a: str, b: str) -> bool:
    """True when two tokens differ only in their digit runs (``core.42`` vs ``core.4505``)."""
    return _DIGIT_RUN.sub("0", a) == _DIGIT_RUN.sub("0", b) and _DIGIT_RUN.search(a) is not None


@cache
def _guarded_drain_class() -> type:
    """Build (once) a drain3 ``Drain`` subclass that knows masked placeholders are values.

    Placeholders are routed through the wildcard branch of the prefix tree, as Drain already does
    for tokens with digits, so a ``<NUM>`` first token and a ``<HEX>`` one meet in the same leaf.
    In the similarity, a value (placeholder or digit-bearing token) filling a wildcard slot, two
    placeholders of different types, and two tokens differing only in their digits all count as
    similar, because Drain itself treats digit-bearing tokens as variables; two distinct constants
    (status codes, singular/plural words) veto the match outright. With values neutralised this
    way, the remaining differences are mostly constant words, hence the strict threshold.
    """
    from drain3.drain import Drain

    class GuardedDrain(Drain):  # type: ignore[misc]
        @staticmethod
        def has_numbers(s: str) -> bool:
            return s in PLACEHOLDERS or any(char.isdigit() for char in s)

        def get_seq_distance(self, seq1: Any, seq2: Any, include_params: bool) -> tuple[float, int]:
            if not seq1:
                return 1.0, 0
            param = self.param_str
            sim_tokens = 0
            param_count = 0
            for token1, token2 in zip(seq1, seq2, strict=True):
                if token1 == param:
                    param_count += 1
                    if token2 in PLACEHOLDERS or _DIGIT_RUN.search(token2):
                        sim_tokens += 1  # a value filling a slot already known to be variable
                elif token1 == token2:
                    sim_tokens += 1
                elif _distinct_constants(token1, token2):
                    return 0.0, 0
                elif token1 in PLACEHOLDERS and token2 in PLACEHOLDERS:
                    sim_tokens += 1  # two values of different shape in one slot (<NUM> vs <HEX>)
                elif _same_shape(token1, token2):
                    sim_tokens += 1
            if include_params:
                sim_tokens += param_count
            return sim_tokens / len(seq1), param_count

    return GuardedDrain


class FailureMiner:
    """Incremental miner: ``add`` one message at a time, read the partition with ``result``."""

    def __init__(self, config: MinerConfig | None = None) -> None:
        from drain3 import TemplateMiner
        from drain3.template_miner_config import TemplateMinerConfig

        self.config = config or MinerConfig()
        drain_config = TemplateMinerConfig()  # explicit: never read a drain3.ini from the cwd
        drain_config.drain_sim_th = self.config.similarity_threshold
        drain_config.drain_depth = self.config.depth
        drain_config.drain_max_children = self.config.max_children
        self._template_miner = TemplateMiner(config=drain_config)
        if self.config.guarded_similarity:
            drain = self._template_miner.drain
            self._template_miner.drain = _guarded_drain_class()(
                sim_th=drain.sim_th,
                depth=drain.log_cluster_depth,
                max_children=drain.max_children,
                extra_delimiters=drain.extra_delimiters,
                param_str=drain.param_str,
            )
        self._assignments: list[int] = []
        self._mask: Callable[[str], str] = (
            lru_cache(maxsize=self.config.mask_cache_size)(mask) if self.config.mask_cache_size else mask
        )

    def add(self, message: str) -> int:
        """Mine one message; return the id of the cluster it joined on arrival."""
        text = self._mask(message) if self.config.mask else message
        # Straight to the Drain engine: TemplateMiner's wrapper only adds masking (ours replaces
        # it), persistence (unused) and a result dict, and costs a fifth of the loop.
        cluster, _ = self._template_miner.drain.add_log_message(text)
        cluster_id: int = cluster.cluster_id
        self._assignments.append(cluster_id)
        return cluster_id

    def result(self) -> MiningResult:
        """Return the final partition; clusters with identical final templates are one cluster."""
        drain = self._template_miner.drain
        canonical: dict[int, int] = {}
        by_template: dict[str, int] = {}
        for cluster in sorted(drain.clusters, key=lambda c: c.cluster_id):
            template = cluster.get_template()
            key = template if self.config.merge_identical_templates else str(cluster.cluster_id)
            canonical[cluster.cluster_id] = by_template.setdefault(key, cluster.cluster_id)
        templates = {cluster.cluster_id: cluster.get_template() for cluster in drain.clusters}
        assignments = [canonical[cid] for cid in self._assignments]
        members: dict[int, list[int]] = {}
        for index, cluster_id in enumerate(assignments):
            members.setdefault(cluster_id, []).append(index)
        clusters = {
            cid: MinedCluster(cid, templates[cid], len(indices), tuple(indices))
            for cid, indices in members.items()
        }
        return MiningResult(assignments, clusters)


def mine(
    messages: Iterable[str],
    config: MinerConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> MiningResult:
    """Mine ``messages`` in one pass, in order; ``progress`` gets the count mined so far."""
    miner = FailureMiner(config)
    for count, message in enumerate(messages, start=1):
        miner.add(message)
        if progress is not None:
            progress(count)
    return miner.result()
