"""Partition-quality metrics for template mining: GA, FGA and pairwise F1.

Cluster ids are opaque, so every metric compares partitions only (which messages share a
group), never id values or template text. Pure Python so the benchmark and the tests can use
it without numpy.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Scores:
    """GA, FGA and pairwise F1 of one predicted partition against the labels."""

    ga: float
    fga: float
    pairwise_f1: float


def _groups(labels: Sequence[Hashable]) -> dict[Hashable, frozenset[int]]:
    """Map each label to the frozen set of positions carrying it."""
    members: dict[Hashable, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        members[label].append(index)
    return {label: frozenset(indices) for label, indices in members.items()}


def _check(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> None:
    if len(predicted) != len(truth):
        raise ValueError(f"length mismatch: {len(predicted)} predictions, {len(truth)} labels")


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def grouping_accuracy(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> float:
    """Fraction of messages whose predicted group equals their true group exactly.

    One stranger or one missing sibling makes the whole group wrong, which is why GA is strict.
    """
    _check(predicted, truth)
    if not truth:
        return 1.0
    true_sets = set(_groups(truth).values())
    correct = sum(len(group) for group in _groups(predicted).values() if group in true_sets)
    return correct / len(truth)


def fga(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> float:
    """F1 over groups (Jiang et al. 2024): counts groups, so shattered rare groups show up."""
    _check(predicted, truth)
    if not truth:
        return 1.0
    predicted_groups = set(_groups(predicted).values())
    true_groups = set(_groups(truth).values())
    correct = len(predicted_groups & true_groups)
    return _f1(correct / len(predicted_groups), correct / len(true_groups))


def _pairs(sizes: Counter[Hashable]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def pairwise_f1(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> float:
    """F1 over message pairs placed together (Zhu et al. 2019); lenient, never report it alone."""
    _check(predicted, truth)
    predicted_pairs = _pairs(Counter(predicted))
    true_pairs = _pairs(Counter(truth))
    shared_pairs = _pairs(Counter(zip(predicted, truth, strict=True)))
    if predicted_pairs == 0 and true_pairs == 0:
        return 1.0
    precision = shared_pairs / predicted_pairs if predicted_pairs else 0.0
    recall = shared_pairs / true_pairs if true_pairs else 0.0
    return _f1(precision, recall)


def score(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> Scores:
    """All three metrics at once, in the order PATTERNS.md reports them."""
    return Scores(grouping_accuracy(predicted, truth), fga(predicted, truth), pairwise_f1(predicted, truth))
