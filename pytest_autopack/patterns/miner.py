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
    return _DIGIT_RUN.search(a) is not None and _DIGIT_RUN.sub("0", a) == _DIGIT_RUN.sub("0", b)


_PROSE_WORD = re.compile(r"[a-z]+[.,;!?]?")


def _name_like(token: str) -> bool:
    """True for a token that reads as a name (``User``, ``-lssl``, ``Api::V1``), not a prose word.

    A last word that differs between two short messages is a value when it is a name, but a
    constant when it is a plain lowercase word ("Session 3 created" vs "Session 3 destroyed").
    """
    return token == "<*>" or _PROSE_WORD.fullmatch(token) is None


# A qualified name: word parts joined by dots, colons, slashes or dashes (app.core, :app:test,
# Api::V1, org/repo), a shape values take and prose words do not. A bare CamelCase word is not
# enough: log statements often name their own variables ("HBM brightnessIn" vs "HBM brightnessOut").
_QUALIFIED_NAME = re.compile(r"\W*\w+(?:[.:/-]+\w+)+\W*")


def _qualified_name(token: str) -> bool:
    """True for a token shaped like a qualified code name wherever it sits (``:app:test``)."""
    return token == "<*>" or _QUALIFIED_NAME.fullmatch(token) is not None


@cache
def _mismatch_budget(length: int, threshold: float) -> int:
    """Largest number of dissimilar tokens a template of ``length`` tokens can have and still match."""
    budget = 0
    while budget < length and (length - budget - 1) / length >= threshold:
        budget += 1
    return budget


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

    A short message cannot absorb even one differing word under that threshold, yet short failure
    messages often end with one unquoted name ("uninitialized constant Foo", "cannot find -lssl")
    or print it after a label ("unknown flag: --foo", "--- FAIL: TestX (0.01s)"). So a message too
    short for one difference may still differ in one word: one that follows a token ending in a
    colon, one that is a qualified name in both versions ("> Task :app:test FAILED"), or the last
    one if both versions read as names rather than prose words; never its first token (Drain's tree
    keys on that one), a placeholder, or a key=value pair. Such a match just reaches the threshold,
    so any candidate without a difference wins over it.
    """
    from drain3.drain import Drain, LogCluster

    class GuardedDrain(Drain):  # type: ignore[misc]
        @staticmethod
        def has_numbers(s: str) -> bool:
            return s in PLACEHOLDERS or any(char.isdigit() for char in s)

        def get_content_as_tokens(self, content: str) -> list[str]:
            """Split on whitespace, without Drain's per-delimiter loop when there are none to apply."""
            if self.extra_delimiters:
                return super().get_content_as_tokens(content)  # type: ignore[no-any-return]
            return content.split()

        def add_log_message(self, content: str) -> tuple[Any, str]:
            """Drain's step for one message, without its (null) profiler hooks: four calls per message.

            The same tree search, cluster creation and template merge as ``Drain.add_log_message``.
            """
            tokens = self.get_content_as_tokens(content)
            cluster = self.tree_search(self.root_node, tokens, self.sim_th, False)
            if cluster is None:
                self.clusters_counter += 1
                cluster = LogCluster(tokens, self.clusters_counter)
                self.id_to_cluster[cluster.cluster_id] = cluster
                self.add_seq_to_prefix_tree(self.root_node, cluster)
                return cluster, "cluster_created"
            merged = tuple(self.create_template(tokens, cluster.log_template_tokens))
            update_type = "none"
            if merged != cluster.log_template_tokens:
                cluster.log_template_tokens = merged
                update_type = "cluster_template_changed"
            cluster.size += 1
            self.id_to_cluster[cluster.cluster_id]  # touch: keeps an LRU-bounded cache in order
            return cluster, update_type

        def create_template(self, seq1: Any, seq2: Any) -> list[str]:
            """Drain's merge (equal tokens kept, others become the wildcard), as one comprehension."""
            param = self.param_str
            return [token2 if token1 == token2 else param for token1, token2 in zip(seq1, seq2, strict=True)]

        def fast_match(self, cluster_ids: Any, tokens: list[str], sim_th: float, include_params: bool) -> Any:
            """Drain's best-match search, stopping each comparison once the threshold is out of reach.

            A candidate that cannot reach ``sim_th`` never wins (Drain returns no match when the
            best similarity is below it), so abandoning it early changes nothing but the cost.
            """
            length = len(tokens)
            budget = length if include_params else _mismatch_budget(length, sim_th)
            soft = budget == 0 and length >= 3
            best = None
            best_sim = -1.0
            best_params = -1
            for cluster_id in cluster_ids:
                cluster = self.id_to_cluster.get(cluster_id)
                if cluster is None:
                    continue
                scored = self._similarity(cluster.log_template_tokens, tokens, budget, soft, include_params)
                if scored is None:
                    continue
                sim, params = scored
                if soft and sim < sim_th:
                    sim = sim_th  # one tolerated difference in a short message just reaches the threshold
                if sim > best_sim or (sim == best_sim and params > best_params):
                    best, best_sim, best_params = cluster, sim, params
            return best if best_sim >= sim_th else None

        def _similarity(
            self, template: Any, tokens: list[str], budget: int, soft: bool, include_params: bool
        ) -> tuple[float, int] | None:
            """Similarity and wildcard count of ``tokens`` against ``template``, or None if out of reach."""
            param = self.param_str
            sim_tokens = 0
            param_count = 0
            misses = 0
            miss_at = 0
            for index, (token1, token2) in enumerate(zip(template, tokens, strict=True)):
                if token1 == token2:
                    sim_tokens += 1
                    continue
                if token1 == param:
                    param_count += 1
                    if token2 in PLACEHOLDERS or _DIGIT_RUN.search(token2):
                        sim_tokens += 1  # a value filling a slot already known to be variable
                        continue
                elif token1 in PLACEHOLDERS:
                    if token2 in PLACEHOLDERS:
                        sim_tokens += 1  # two values of different shape in one slot (<NUM> vs <HEX>)
                        continue
                elif _distinct_constants(token1, token2):
                    return None
                elif _same_shape(token1, token2):
                    sim_tokens += 1
                    continue
                misses += 1
                miss_at = index
                if misses > budget and not (soft and misses == 1):
                    return None
            if misses > budget and not self._tolerated_difference(template, tokens, miss_at):
                return None
            if include_params:
                sim_tokens += param_count
            return sim_tokens / len(tokens), param_count

        @staticmethod
        def _tolerated_difference(template: Any, tokens: list[str], index: int) -> bool:
            """The one word a short message may differ in (see the class docstring).

            A key=value token is never that word: its key is constant ("phoneId=3" vs "retVal=true"),
            and a wildcard would lose it from the template.
            """
            word, other = tokens[index], template[index]
            if index == 0 or word in PLACEHOLDERS or other in PLACEHOLDERS or "=" in word or "=" in other:
                return False
            if tokens[index - 1].endswith(":") or (_qualified_name(other) and _qualified_name(word)):
                return True
            return index == len(tokens) - 1 and _name_like(other) and _name_like(word)

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
        self._mask: Callable[[str], str] | None = None
        if self.config.mask:
            self._mask = lru_cache(maxsize=self.config.mask_cache_size)(mask) if self.config.mask_cache_size else mask
        # Straight to the Drain engine: TemplateMiner's wrapper only adds masking (ours replaces
        # it), persistence (unused) and a result dict, and costs a fifth of the loop.
        self._add_to_drain = self._template_miner.drain.add_log_message

    def add(self, message: str) -> int:
        """Mine one message; return the id of the cluster it joined on arrival."""
        cluster, _ = self._add_to_drain(self._mask(message) if self._mask else message)
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
