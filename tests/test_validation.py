"""The package's own checks: training settings, seeds, the [0, 1] rule."""

import numpy as np
import pytest

from aegmm_lessons import validation


@pytest.mark.parametrize("learning_rate, error, match", [
    (0.0, ValueError, r"learning_rate == 0\.0, must be > 0"),
    (-1e-3, ValueError, r"learning_rate == -0\.001"),
    (float("nan"), ValueError, r"learning_rate must be finite, got nan"),
    (float("inf"), ValueError, r"learning_rate must be finite, got inf"),
    (True, TypeError, r"learning_rate.*bool"),
    ("0.1", TypeError, r"learning_rate"),
])
def test_check_training_rejects_every_learning_rate_adam_cannot_use(learning_rate, error, match):
    with pytest.raises(error, match=match):
        validation.check_training(1, 32, learning_rate)


def test_check_training_returns_ints_and_a_float_and_rejects_empty_epochs_and_batches():
    assert validation.check_training(np.int64(3), 16, 1e-3) == (3, 16, 1e-3)
    with pytest.raises(ValueError, match="epochs == 0"):
        validation.check_training(0, 16, 1e-3)
    with pytest.raises(ValueError, match="batch_size == 0"):
        validation.check_training(1, 0, 1e-3)


def test_random_state_of_every_kind_gives_a_reproducible_seed_and_an_int_is_kept_as_is():
    assert validation.check_seed(7) == 7
    assert validation.check_seed(np.random.RandomState(0)) == validation.check_seed(np.random.RandomState(0))
    assert validation.check_seed(np.random.default_rng(0)) == validation.check_seed(np.random.default_rng(0))
    assert isinstance(validation.check_seed(None), int)
    with pytest.raises(ValueError, match="random_state == -1"):
        validation.check_seed(-1)
    with pytest.raises(ValueError, match="cannot be used to seed"):
        validation.check_seed("seed")


def test_a_generator_given_as_random_state_is_used_not_copied():
    rng = np.random.default_rng(0)
    assert validation.check_generator(rng) is rng
    legacy = validation.check_random_state(rng)
    first = legacy.randint(1000)
    assert validation.check_random_state(np.random.default_rng(0)).randint(1000) == first  # same stream
    np.testing.assert_array_equal(validation.check_generator(3).normal(size=4), np.random.default_rng(3).normal(size=4))


def test_the_unit_interval_rule_and_its_check():
    assert validation.in_unit_interval(np.array([[0.0, 1.0]]))
    assert not validation.in_unit_interval(np.array([[0.0, 1.5]]))
    with pytest.raises(ValueError, match=r"pixels must lie in \[0, 1\].*\[-0\.5, 1\]"):
        validation.check_unit_interval(np.array([[-0.5, 1.0]]), "pixels")
