import pytest

from pytest_autopack.patterns.metrics import fga, grouping_accuracy, pairwise_f1, score


def test_perfect_partition_scores_one_whatever_the_ids():
    truth = ["a", "a", "b", "c", "c", "c"]
    predicted = [7, 7, 3, 9, 9, 9]
    assert score(predicted, truth) == score(truth, truth)
    assert grouping_accuracy(predicted, truth) == 1.0
    assert fga(predicted, truth) == 1.0
    assert pairwise_f1(predicted, truth) == 1.0


def test_one_stranger_makes_whole_group_wrong():
    truth = ["a", "a", "a", "b"]
    predicted = [1, 1, 1, 1]
    assert grouping_accuracy(predicted, truth) == 0.0
    # predicted groups: 1, none correct -> FGA 0
    assert fga(predicted, truth) == 0.0
    # predicted pairs 6, true pairs 3, shared 3 -> P=0.5 R=1
    assert pairwise_f1(predicted, truth) == pytest.approx(2 / 3)


def test_split_group_keeps_other_groups_correct():
    truth = ["a", "a", "b", "b", "c"]
    predicted = [1, 2, 3, 3, 4]
    assert grouping_accuracy(predicted, truth) == pytest.approx(3 / 5)
    # 2 of 4 predicted groups correct, 2 of 3 true groups -> P=.5 R=2/3
    assert fga(predicted, truth) == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    # predicted pairs 1 (b,b), true pairs 2, shared 1 -> P=1 R=.5
    assert pairwise_f1(predicted, truth) == pytest.approx(2 / 3)


def test_all_singletons_against_all_singletons():
    assert pairwise_f1([1, 2, 3], ["x", "y", "z"]) == 1.0
    assert grouping_accuracy([1, 2, 3], ["x", "y", "z"]) == 1.0


def test_empty_input_is_trivially_correct():
    assert score([], []).ga == 1.0


def test_length_mismatch_is_rejected():
    with pytest.raises(ValueError, match="length mismatch"):
        grouping_accuracy([1], ["a", "b"])
