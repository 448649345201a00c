"""The exercise checks judge like a teacher: every right form of an answer passes, every wrong one gets its own hint,
and each lesson's checks accept their solutions and reject their named mistakes, with the printed lines that the
notebooks' stored outputs show."""

import functools
import itertools
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.experimental import enable_halving_search_cv  # noqa: F401  (makes HalvingGridSearchCV importable)
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV, ParameterGrid

from aegmm_lessons.exercises import (
    Mistake,
    WrongAnswerError,
    exercise,
    function_check,
    judge_flag,
    judge_number,
    lesson00,
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    number_check,
)
from aegmm_lessons.gmm import GaussianMixtureEM, e_step, log_gaussian_prob
from aegmm_lessons.params import GMMParams
from aegmm_lessons.refine import refine

NOT_ATTEMPTED = "not attempted yet (replace None with your answer)\n"

# The framework, on small checks made for the tests.

check_circle_area = number_check(
    "circle area", lambda radius: np.pi * radius**2, digits=2, hint="the area grows with the square of the radius",
    mistakes={"the circumference": Mistake(lambda radius: 2 * np.pi * radius, "that is the length around it")})

check_squares = function_check(
    "squares", lambda x: x**2, lambda rng: (rng.normal(size=rng.integers(2, 6)),), hint="square every entry",
    mistakes={"doubled": Mistake(lambda x: 2 * x, "multiply each entry by itself, not by two"),
              "summed": Mistake(lambda x: np.sum(x**2), "one square per entry: keep the shape")})


def test_a_number_check_accepts_the_right_number_in_every_form_a_learner_gives(capsys):
    exact = np.pi * 1.5**2  # 7.0685...
    for answer in (exact, 7.07, 7.069, np.float32(exact), np.float64(7.07), np.array(7.07), np.array([7.07]),
                   np.array([[exact]]), [7.07]):
        assert check_circle_area(answer, 1.5) is None
    assert capsys.readouterr().out == 9 * "circle area: correct\n"


def test_a_number_check_says_not_attempted_for_none_without_computing_the_expected_value(capsys):
    computed = []
    check = number_check("count", lambda n: computed.append(n) or n, hint="count them")
    assert check(None, 3) is None
    assert capsys.readouterr().out == "count: " + NOT_ATTEMPTED
    assert computed == []


@pytest.mark.parametrize(("answer", "hint"), [
    ("7.07", r"is text: write the number without quotes"),
    (True, r"not True: True and False are not numbers"),
    (np.True_, r"not True"),
    ({"area": 7.07}, r"a dict is not one"),
    ([7.07, 7.07], r"an array of shape \(2,\) is not what is asked for: a single number"),
    (7.1, r"round to 2 decimal places"),
    (7.06, r"round to 2 decimal places.*not cutting off"),
    (2 * np.pi * 1.5, r"the length around it"),
    (7.5, r"grows with the square"),
    (np.nan, r"grows with the square"),
])
def test_a_number_check_gives_a_distinct_hint_for_each_kind_of_wrong_answer(answer, hint, capsys):
    with pytest.raises(WrongAnswerError, match="^circle area: .*" + hint) as raised:
        check_circle_area(answer, 1.5)
    message = str(raised.value)  # no hint gives the answer away, beyond repeating the learner's own
    assert "7.068" not in message and ("7.07" not in message or "7.07" in repr(answer))
    assert capsys.readouterr().out == ""
    assert isinstance(raised.value, AssertionError)


def test_judge_number_with_a_stated_tolerance_and_by_default_for_computed_numbers():
    judge_number(0.1234, 0.12345, atol=1e-3, hint="h")
    judge_number((1, 2.0), np.array([1.0, 2.0]), hint="h")
    judge_number(3, np.array([3.0]), hint="h")  # a package function's (1,)-shaped output, stated as a number


def test_judge_number_takes_a_tuple_mixing_numbers_and_one_element_arrays():
    judge_number((44.36, np.array([0])), (64 * np.log(2), 0.0), digits=2, hint="h")
    judge_number([np.float32(0.5), np.array([[1.0]])], np.array([0.5, 1.0]), hint="h")
    with pytest.raises(WrongAnswerError, match=r"^not right. Hint: h$"):
        judge_number((44.36, np.array([1])), (64 * np.log(2), 0.0), digits=2, hint="h")
    with pytest.raises(WrongAnswerError, match=r"different shapes: a single number, an array of shape \(2,\)"):
        judge_number((1.0, np.array([1.0, 2.0])), (1.0, 2.0), hint="h")
    with pytest.raises(WrongAnswerError, match="is not one"):
        judge_number((44.36, np.array(["0"])), (64 * np.log(2), 0.0), digits=2, hint="h")
    with pytest.raises(WrongAnswerError, match="keep every digit"):
        judge_number(0.12, 0.12345, hint="h")
    with pytest.raises(WrongAnswerError, match=r"^not right. Hint: h$"):
        judge_number(658, 659, digits=0, hint="h")  # an off-by-one count is no rounding


def test_an_answer_the_check_cannot_use_becomes_a_hint_that_names_the_error():
    @exercise("optimizer result")
    def check_result(result):
        judge_number(result.log_likelihood, -1.5, hint="h")

    with pytest.raises(WrongAnswerError, match=r"^optimizer result: your answer could not be checked: AttributeError"):
        check_result(3.0)


def test_a_function_check_accepts_a_right_function_in_any_numeric_form(capsys):
    check_squares(lambda x: x * x)
    check_squares(lambda x: [v**2 for v in x])
    assert capsys.readouterr().out == 2 * "squares: correct\n"


def test_a_function_check_is_not_attempted_for_none_or_a_stub_returning_none(capsys):
    def stub(x):
        return None

    check_squares(None)
    check_squares(stub)
    assert capsys.readouterr().out == ("squares: " + NOT_ATTEMPTED
                                       + "squares: not attempted yet (your function still returns None)\n")


def raises_key_error(x):
    return {}["x"]


@pytest.mark.parametrize(("function", "hint"), [
    (lambda x: 2 * x, "not by two"),
    (lambda x: np.sum(x**2), r"returns a single number, where an array of shape \(\d,\) is asked for"),
    (lambda x: x**3, "square every entry"),
    (lambda x: x[:2] ** 2, r"an array of shape \(2,\)"),
    (lambda x: x**2 if len(x) == 3 else x, "square every entry"),  # right on one shape only
    (raises_key_error, r"raised KeyError: 'x' on inputs \(shape \(\d,\)\)"),
    (lambda x: "squares", r"is text"),
    (lambda x: (x**2, x), r"is not what is asked for|returns an array"),
    ("def squares(x): ...", r"a function is asked for, and 'def squares"),
    (np.square(2.0), r"a float64 is not one"),
])
def test_a_function_check_gives_a_distinct_hint_for_each_kind_of_wrong_function(function, hint):
    with pytest.raises(WrongAnswerError, match="^squares: .*" + hint):
        check_squares(function)


def test_a_function_check_draws_fresh_seeded_inputs_and_never_lets_the_function_change_them():
    seen = []

    def squares_in_place(x):
        seen.append(x.copy())
        x **= 2
        return x

    check_squares(squares_in_place)
    check_squares(squares_in_place)
    assert len(seen) == 6 and len({len(x) for x in seen[:3]}) > 1  # new shapes every trial...
    assert all(np.array_equal(first, again) for first, again in zip(seen[:3], seen[3:], strict=True))  # ...same runs


def test_judge_flag_wants_true_or_false():
    judge_flag(np.True_, True, hint="h")
    for answer, message in ((1, "True or False is asked for, and a int"), ("yes", "'yes' is neither"),
                            (False, "not right. Hint: h")):
        with pytest.raises(WrongAnswerError, match=message):
            judge_flag(answer, True, hint="h")


def test_checks_keep_their_topic_and_mistakes_for_the_tests():
    assert check_squares.topic == "squares" and list(check_squares.mistakes) == ["doubled", "summed"]
    assert check_circle_area.mistakes["the circumference"].hint == "that is the length around it"


# The lessons' checks written with the framework: each accepts its solution in every form a learner would give,
# rejects each of its named mistakes with that mistake's hint, refuses text, True/False and a function that raises
# with a hint of their own, and says "not attempted yet" for None or a stub.

@dataclass
class Taught:
    """One exercise: its check, the data after the answer, the solution and the same solution in other forms."""

    check: object
    solution: object
    forms: tuple = ()
    data: tuple = ()
    named: dict = field(default_factory=dict)
    function: bool = False

    def __call__(self, answer):
        return self.check(answer, *self.data, **self.named)

    def wrong(self, mistake):
        """What a learner making ``mistake`` hands in: the mistaken function, or the number it gives."""
        return mistake.version if self.function else mistake.version(*self.data, **self.named)


# Lesson 00

@functools.cache
def small_autoencoder():
    from aegmm_lessons import repro

    repro.setup(0, tensorflow=True)
    from aegmm_lessons.autoencoder import build_autoencoder

    encoder, _, autoencoder = build_autoencoder(64, 2, hidden_units=(32,), output_activation="sigmoid")
    return encoder, autoencoder


@functools.cache
def fitted_gmm():
    X = np.random.default_rng(0).normal(size=(120, 1))
    return GaussianMixtureEM(2, random_state=0).fit(X), X


def lesson00_kl_divergence():
    kl = 0.5 * (1.0 + 0.25 - 1.0 - np.log(0.25))  # 0.8181...
    return Taught(lesson00.check_kl_divergence, kl, (0.818, np.float64(kl), np.array([kl]), np.float32(kl)),
                  named={"mean": 1.0, "std": 0.5})


def lesson00_grid_search_fits():
    return Taught(lesson00.check_grid_search_fits, 3 * 4 * 5 + 1, (61.0, np.int64(61), np.array([61])))


def lesson00_output_shapes():
    encoder, autoencoder = small_autoencoder()
    X = np.random.default_rng(0).uniform(size=(10, 64))
    shapes = ((10, 2), (10, 64))
    return Taught(lesson00.check_output_shapes, shapes, ([list(shape) for shape in shapes], np.array(shapes)),
                  (encoder, autoencoder, X))


def lesson00_aic():
    gmm, X = fitted_gmm()
    aic = -2 * gmm.score(X) * len(X) + 2 * gmm.params_.n_parameters
    return Taught(lesson00.check_aic, aic, (round(aic, 1), np.float64(aic), np.array([aic])), (gmm, X))


# Lesson 01: the lesson's mixture, three overlapping components, two of them tilted.

TRUTH = GMMParams(
    weights=[0.5, 0.3, 0.2],
    means=[[0.0, 0.0], [3.0, 1.5], [0.5, 3.5]],
    covariances=[[[1.0, 0.6], [0.6, 1.0]], [[0.6, -0.3], [-0.3, 0.8]], [[0.3, 0.0], [0.0, 1.2]]],
)


def draw(n_samples, seed):
    rng = np.random.default_rng(seed)
    labels = rng.choice(TRUTH.n_components, size=n_samples, p=TRUTH.weights)
    factors = np.linalg.cholesky(TRUTH.covariances)[labels]
    return TRUTH.means[labels] + np.einsum("nij,nj->ni", factors, rng.standard_normal((n_samples, 2)))


def stable_responsibilities(X, params):
    log_terms = log_gaussian_prob(X, params) + np.log(params.weights)
    return np.exp(log_terms - logsumexp(log_terms, axis=1, keepdims=True))


def m_step_covariances(X, resp, reg_covar):
    counts = resp.sum(axis=0)
    means = resp.T @ X / counts[:, None]
    covariances = []
    for k, mean in enumerate(means):
        diff = X - mean
        covariances.append((resp[:, k, None] * diff).T @ diff / counts[k] + reg_covar * np.eye(X.shape[1]))
    return np.array(covariances)


def mean_log_likelihood(X, params):
    return logsumexp(log_gaussian_prob(X, params) + np.log(params.weights), axis=1).mean()


def lesson01_responsibilities():
    return Taught(lesson01.check_responsibilities, stable_responsibilities,
                  (lambda X, params: stable_responsibilities(X, params).tolist(),), function=True)


def lesson01_m_step_covariances():
    return Taught(lesson01.check_m_step_covariances, m_step_covariances,
                  (lambda X, resp, reg_covar: list(m_step_covariances(X, resp, reg_covar)),), function=True)


def lesson01_mean_log_likelihood():
    return Taught(lesson01.check_mean_log_likelihood, mean_log_likelihood,
                  (lambda X, params: np.array([mean_log_likelihood(X, params)]),
                   lambda X, params: float(mean_log_likelihood(X, params))), function=True)


def lesson01_parameter_counts():
    full, diagonal = 4 + 5 * 4 + 5 * 4 * 5 // 2, 4 + 5 * 4 + 5 * 4  # K = 5 components in d = 4: 74 and 44
    return Taught(lesson01.check_parameter_counts, (full, diagonal), ([74, 44], np.array([74.0, 44.0])),
                  named={"n_components": 5, "n_features": 4})


def lesson01_diagonal_bic_choice():
    # On this sample BIC picks 4 diagonal components (2174 against 2194 for 5 and 2205 for 3).
    return Taught(lesson01.check_diagonal_bic_choice, 4, (np.int64(4), 4.0, np.array([4])), (draw(300, 1),))


def lesson01_reg_covar():
    # "two significant digits are enough": 1.04e-6 rounds to the smallest eigenvalue, about 1.0e-6
    return Taught(lesson01.check_reg_covar, (True, 1e-6), ((np.True_, 1.0e-6 * (1 + 1e-3)), [True, np.float64(1e-6)],
                                                          (True, 1.04e-6), (True, 0.96e-6)),
                  (draw(500, 3),))


# Lesson 03

@functools.cache
def polished():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(150, 2)), rng.normal(size=(150, 2)) + 3.0])
    start = GaussianMixtureEM(2, tol=1e-3, reg_covar=0.0, random_state=0).fit(X).params_
    return X, start, refine(start, X)


def log_cholesky_density(x, mean, log_diagonal, off_diagonal):
    d = len(x)
    factor = np.diag(np.exp(log_diagonal))
    factor[np.triu_indices(d, 1)] = off_diagonal
    diff = x - mean
    y = factor.T @ diff
    value = -0.5 * d * np.log(2 * np.pi) + log_diagonal.sum() - 0.5 * y @ y
    return value, 1.0 - np.diag(factor) * diff * y


def bfgs_update(H, s, y):
    rho = 1.0 / (y @ s)
    left = np.eye(len(s)) - rho * np.outer(s, y)
    return left @ H @ left.T + rho * np.outer(s, s)


def lesson03_log_cholesky_density():
    return Taught(lesson03.check_log_cholesky_density, log_cholesky_density,
                  (lambda *args: list(log_cholesky_density(*args)),), function=True)


def lesson03_bfgs_update():
    return Taught(lesson03.check_bfgs_update, bfgs_update, (lambda H, s, y: bfgs_update(H, s, y).tolist(),),
                  function=True)


def lesson03_mean_responsibilities():
    X, _, result = polished()
    mean = np.exp(e_step(X, result.params)[1]).mean(axis=0)
    return Taught(lesson03.check_mean_responsibilities, mean, (list(mean), tuple(mean)), (result.params, X))


def lesson03_bfgs_polish():
    X, start, result = polished()
    return Taught(lesson03.check_bfgs_polish, refine(start, X, method="BFGS"), (), (start, X, result.log_likelihood))


def lesson03_dense_memory():
    megabytes = 1223**2 * 8 / 1e6  # K = 8, d = 16: 7 + 128 + 8 * 136 = 1223 numbers, 11.9658 MB
    return Taught(lesson03.check_dense_memory, megabytes, (11.97, np.float64(megabytes), np.array([11.97])),
                  named={"n_components": 8, "n_features": 16})


def test_dense_memory_check_tells_one_parameter_apart():
    # one number more (K logits instead of K - 1) moves the answer by more than the two decimals' tolerance
    with pytest.raises(WrongAnswerError, match="K - 1 free logits"):
        lesson03.check_dense_memory(round(1224**2 * 8 / 1e6, 2), n_components=8, n_features=16)


# Lesson 06

def lesson06_component_kl():
    from aegmm_lessons.mixture_vae import component_kl

    kl = 0.5 * (1.0 + 0.25 - 1.0 - np.log(0.25))  # 0.8181
    return Taught(lesson06.check_component_kl, kl,
                  (0.818, component_kl([[1.0]], [[0.0]], [[3.0]], [[np.log(4.0)]]), np.array([kl]), np.float32(kl)))


def lesson06_largest_categorical_kl():
    return Taught(lesson06.check_largest_categorical_kl, np.log(10), (2.303, np.float64(np.log(10)), [np.log(10)]))


def lesson06_prior_size():
    prior = GMMParams(np.full(10, 0.1), np.zeros((10, 10)), np.tile(np.eye(10), (10, 1, 1)), "full")
    return Taught(lesson06.check_prior_size, 9 + 100 + 550, (659.0, np.int64(659), np.array([659])), (prior,))


def vade_kl_terms(z_mean, z_log_var, z, log_weights, means, log_vars):
    """Written out as the lesson derives it, independently of the package's function."""
    log_densities = -0.5 * np.sum(np.log(2 * np.pi) + log_vars[None] + (z[:, None] - means[None]) ** 2
                                  / np.exp(log_vars[None]), axis=-1)
    gamma = np.exp(log_weights + log_densities - logsumexp(log_weights + log_densities, axis=1, keepdims=True))
    kl_components = 0.5 * np.sum(np.exp(z_log_var[:, None] - log_vars[None]) + (z_mean[:, None] - means[None]) ** 2
                                 / np.exp(log_vars[None]) - 1.0 - z_log_var[:, None] + log_vars[None], axis=-1)
    return gamma, np.sum(gamma * kl_components, axis=1), np.sum(gamma * (np.log(gamma) - log_weights), axis=1)


def lesson06_vade_kl_terms():
    return Taught(lesson06.check_vade_kl_terms, vade_kl_terms,
                  (lambda *args: tuple(np.asarray(part).tolist() for part in vade_kl_terms(*args)),), function=True)


TAUGHT = [
    lesson00_kl_divergence, lesson00_grid_search_fits, lesson00_output_shapes, lesson00_aic,
    lesson01_responsibilities, lesson01_m_step_covariances, lesson01_mean_log_likelihood, lesson01_parameter_counts,
    lesson01_diagonal_bic_choice, lesson01_reg_covar,
    lesson03_log_cholesky_density, lesson03_bfgs_update, lesson03_mean_responsibilities, lesson03_bfgs_polish,
    lesson03_dense_memory,
    lesson06_component_kl, lesson06_largest_categorical_kl, lesson06_prior_size, lesson06_vade_kl_terms,
]


@pytest.mark.parametrize("build", TAUGHT, ids=lambda build: build.__name__)
def test_taught_check_accepts_its_solution_in_every_form(build, capsys):
    case = build()
    for answer in (case.solution, *case.forms):
        assert case(answer) is None
    assert capsys.readouterr().out == (1 + len(case.forms)) * f"{case.check.topic}: correct\n"


@pytest.mark.parametrize("build", TAUGHT, ids=lambda build: build.__name__)
def test_taught_check_rejects_each_named_mistake_with_its_own_hint(build, capsys):
    case = build()
    assert case.check.mistakes, "every check names at least one mistake"
    for name, mistake in case.check.mistakes.items():
        with pytest.raises(WrongAnswerError) as raised:
            case(case.wrong(mistake))
        assert str(raised.value).startswith(f"{case.check.topic}: ") and mistake.hint in str(raised.value), name
    assert capsys.readouterr().out == ""


def raises_index_error(*args):
    return args[99]


class RaisingAnswer:
    """An answer that raises when the check reads it as numbers."""

    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array here")


@pytest.mark.parametrize("build", TAUGHT, ids=lambda build: build.__name__)
def test_taught_check_refuses_text_bools_and_a_raising_answer_with_hints_of_their_own(build):
    case = build()
    if case.function:
        wrong = {raises_index_error: "raised IndexError: tuple index out of range", lambda *args: "12": "is text",
                 lambda *args: True: "not True", 12: "a function is asked for"}
    else:
        wrong = {"12": "is text|a pair is asked for|result of refine", True: "not True|a pair|result of refine",
                 RaisingAnswer(): "could not be checked: RuntimeError: no array here|a pair|result of refine"}
    for answer, hint in wrong.items():
        with pytest.raises(WrongAnswerError, match=f"^{re.escape(case.check.topic)}: .*({hint})"):
            case(answer)


@pytest.mark.parametrize("build", TAUGHT, ids=lambda build: build.__name__)
def test_taught_check_says_not_attempted_for_none_or_a_stub(build, capsys):
    case = build()
    case(None)
    expected = f"{case.check.topic}: " + NOT_ATTEMPTED
    if case.function:
        case(lambda *args: None)
        expected += f"{case.check.topic}: not attempted yet (your function still returns None)\n"
    assert capsys.readouterr().out == expected


# Lessons 02 and 04: the checks as the notebooks call them, with topics for names.

def judged(check, answer, *data):
    """The check's printed verdict for a right answer (its stdout), or the hint of the WrongAnswerError it raises."""
    try:
        check(answer, *data)
    except WrongAnswerError as wrong:
        return str(wrong)
    return "printed"


def build_encoder_solution(X, latent_dim, hidden_units):
    import keras

    h = inputs = keras.Input(shape=(X.shape[1],))
    for units in hidden_units:
        h = keras.layers.Dense(units, activation="relu")(h)
    return keras.Model(inputs, keras.layers.Dense(latent_dim)(h))


def build_encoder_sequential(X, latent_dim, hidden_units):
    import keras

    return keras.Sequential([keras.Input(shape=(X.shape[1],)),
                             *(keras.layers.Dense(units, activation="relu") for units in hidden_units),
                             keras.layers.Dense(latent_dim, activation="linear")])


def energy_solution(Z, weights, means, covariances):
    log_terms = np.column_stack([
        np.log(w) - 0.5 * np.linalg.slogdet(2 * np.pi * c)[1]
        - 0.5 * np.einsum("ni,ij,nj->n", Z - m, np.linalg.inv(c), Z - m)
        for w, m, c in zip(weights, means, covariances, strict=True)])
    return -logsumexp(log_terms, axis=1)


def energy_with_scipy(Z, weights, means, covariances):
    from scipy.stats import multivariate_normal

    return -logsumexp([np.log(w) + multivariate_normal(m, c).logpdf(Z)
                       for w, m, c in zip(weights, means, covariances, strict=True)], axis=0)


def auc_solution(scores, is_anomaly):
    anomalous, normal = scores[is_anomaly == 1], scores[is_anomaly == 0]
    return np.mean(anomalous[:, None] > normal[None, :]) + 0.5 * np.mean(anomalous[:, None] == normal[None, :])


def auc_by_ranks(scores, is_anomaly):  # the Mann-Whitney form, as a list of one number
    from scipy.stats import rankdata

    ranks, n_anomalous = rankdata(scores), int(np.sum(is_anomaly))
    n_normal = len(scores) - n_anomalous
    return [(ranks[is_anomaly == 1].sum() - n_anomalous * (n_anomalous + 1) / 2) / (n_anomalous * n_normal)]


def sample_z_solution(z_mean, z_log_var, n_draws, seed_generator):
    import keras

    epsilon = keras.random.normal((n_draws, *keras.ops.shape(z_mean)), seed=seed_generator)
    return z_mean + keras.ops.exp(0.5 * z_log_var) * epsilon


def sample_z_in_a_loop(z_mean, z_log_var, n_draws, seed_generator):
    import keras

    sigma = keras.ops.sqrt(keras.ops.exp(z_log_var))
    return keras.ops.stack([z_mean + sigma * keras.random.normal(keras.ops.shape(z_mean), seed=seed_generator)
                            for _ in range(n_draws)])


def vae_loss_solution(x, x_hat, log_var, z_mean, z_log_var, beta):
    from keras import ops

    reconstruction = 0.5 * ops.sum(np.log(2 * np.pi) + log_var + ops.square(x - x_hat) / ops.exp(log_var), axis=1)
    kl = 0.5 * ops.sum(ops.square(z_mean) + ops.exp(z_log_var) - 1 - z_log_var, axis=1)
    return ops.mean(reconstruction) + beta * ops.mean(kl)


def vae_loss_with_the_standard_deviation(x, x_hat, log_var, z_mean, z_log_var, beta):
    import keras

    sigma = keras.ops.exp(0.5 * log_var)
    reconstruction = keras.ops.sum(0.5 * keras.ops.square((x - x_hat) / sigma) + keras.ops.log(sigma), axis=-1)
    reconstruction += 0.5 * np.log(2 * np.pi) * keras.ops.cast(keras.ops.shape(x)[1], "float32")
    kl = -0.5 * keras.ops.sum(1 + z_log_var - keras.ops.square(z_mean) - keras.ops.exp(z_log_var), axis=-1)
    return keras.ops.mean(reconstruction + beta * kl)


def vae_loss_in_numpy(x, x_hat, log_var, z_mean, z_log_var, beta):  # right on eager tensors, not inside train_step
    x, x_hat, log_var, z_mean, z_log_var = (np.asarray(a, dtype=float) for a in (x, x_hat, log_var, z_mean, z_log_var))
    reconstruction = 0.5 * np.sum(np.log(2 * np.pi) + log_var + (x - x_hat) ** 2 / np.exp(log_var), axis=1)
    kl = 0.5 * np.sum(z_mean**2 + np.exp(z_log_var) - 1 - z_log_var, axis=1)
    return np.mean(reconstruction) + beta * np.mean(kl)


def returns_text(*args):
    return "the loss"


def raises_name_error(*args):
    return undefined_name  # noqa: F821


@functools.cache
def keras_loaded():
    from aegmm_lessons import repro

    repro.setup(0, tensorflow=True)
    return True


FUNCTION_CHECKS = {
    "encoder builder": (lesson02.check_encoder_builder, (build_encoder_solution, build_encoder_sequential)),
    "energy": (lesson02.check_energy, (energy_solution, energy_with_scipy)),
    "AUC by pairs": (lesson02.check_auc_by_pairs, (auc_solution, auc_by_ranks)),
    "reparameterized draws": (lesson04.check_sample_z, (sample_z_solution, sample_z_in_a_loop)),
    "VAE loss": (lesson04.check_vae_loss, (vae_loss_solution, vae_loss_with_the_standard_deviation)),
}


@pytest.mark.parametrize("topic", FUNCTION_CHECKS)
def test_lesson_02_and_04_function_checks_accept_the_solution_and_a_right_function_written_otherwise(topic, capsys):
    keras_loaded()
    check, right_functions = FUNCTION_CHECKS[topic]
    for function in right_functions:
        assert judged(check, function) == "printed", function.__name__
    assert capsys.readouterr().out == 2 * f"{topic}: correct\n"


@pytest.mark.parametrize("topic", FUNCTION_CHECKS)
def test_lesson_02_and_04_function_checks_reject_each_named_mistake_with_its_own_hint(topic, capsys):
    keras_loaded()
    check, _ = FUNCTION_CHECKS[topic]
    assert len(check.mistakes) >= 3
    hints = {mistake.hint for mistake in check.mistakes.values()}
    for name, mistake in check.mistakes.items():
        message = judged(check, mistake.version)
        assert message.startswith(f"{topic}: ") and mistake.hint.split("{")[0] in message, (name, message)
        assert sum(hint.split("{")[0] in message for hint in hints) == 1, name  # its own hint, no other
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("topic", FUNCTION_CHECKS)
def test_lesson_02_and_04_function_checks_turn_text_errors_and_non_functions_into_hints(topic, capsys):
    keras_loaded()
    check, _ = FUNCTION_CHECKS[topic]
    assert re.search(r"text|a number is asked|returns a str|keras.Model", judged(check, returns_text))
    assert "raised NameError" in judged(check, raises_name_error)
    assert "a function is asked for" in judged(check, 0.5)
    check(None)
    check(lambda *args: None)
    assert capsys.readouterr().out == (f"{topic}: not attempted yet (replace None with your answer)\n"
                                       f"{topic}: not attempted yet (your function still returns None)\n")


def test_the_encoder_check_tests_a_width_other_than_the_lessons_and_layers_that_tell_the_biases_apart():
    for n_features, hidden_units, latent_dim in lesson02._ENCODER_TRIALS:
        widths = (n_features, *hidden_units, latent_dim)
        assert n_features != 64 and all(a != b for a, b in itertools.pairwise(widths))


def test_the_auc_check_draws_scores_with_ties_between_anomalies_and_normal_samples():
    scores, is_anomaly = lesson02._scores_with_ties(np.random.default_rng(0))
    assert np.mean(scores[is_anomaly == 1][:, None] == scores[is_anomaly == 0][None, :]) > 0.1


def test_the_vae_loss_check_trains_a_vae_on_the_learners_loss(capsys):
    keras_loaded()
    X = np.random.default_rng(0).uniform(size=(128, 12))
    lesson04.check_vae_loss(vae_loss_solution, X, 3)
    assert capsys.readouterr().out == ("VAE loss: a small VAE trained 3 epochs on your loss; the loss fell and equals "
                                       "the tracked reconstruction + KL at every epoch\nVAE loss: correct\n")
    assert "use keras.ops, not NumPy" in judged(lesson04.check_vae_loss, vae_loss_in_numpy, X, 1)


NUMBER_CHECKS = {
    "KL values": (lesson04.check_kl_values, (), (0.5 * (2.0 + np.e), 0.5 * (0.25 + 0.25 - 1.0 - np.log(0.25))),
                  (2.359, np.float32(0.443))),
    "ELBO gap": (lesson04.check_elbo_gap, (2.0, 0.5, 1.3, 1.0, 0.1),
                 0.5 * (np.log((0.25 / 4.25) / 0.1) + (0.1 + (1.0 - 2.6 / 4.25) ** 2) / (0.25 / 4.25) - 1.0),
                 np.array([1.366])),
    "reconstruction floors": (lesson04.check_reconstruction_floors, (), (64 * np.log(2), 0.0),
                              (44.36, np.array([0.0]))),  # a package's (1,)-shaped output in a tuple
}


@pytest.mark.parametrize("topic", NUMBER_CHECKS)
def test_lesson_04_number_checks_judge_like_a_teacher(topic, capsys):
    check, data, solution, rounded = NUMBER_CHECKS[topic]
    check(solution, *data)
    check(rounded, *data)
    check(None, *data)
    assert capsys.readouterr().out == 2 * f"{topic}: correct\n" + f"{topic}: " + NOT_ATTEMPTED
    for name, mistake in check.mistakes.items():
        assert mistake.hint in judged(check, mistake.version(*data), *data), name
    as_text = tuple(str(v) for v in solution) if isinstance(solution, tuple) else str(solution)
    assert "is text" in judged(check, as_text, *data)
    as_bools = tuple(True for _ in solution) if isinstance(solution, tuple) else True
    assert "True and False are not numbers" in judged(check, as_bools, *data)


def test_active_units_count_the_posterior_means_that_vary_and_the_check_rejects_the_width(monkeypatch, capsys):
    grid = np.linspace(-1.0, 1.0, 101)
    z_mean = np.column_stack([grid, np.full(101, 0.3), 0.2 * grid, 0.1 * grid])  # variances 0.34, 0, 0.014, 0.0034
    from aegmm_lessons import vae

    monkeypatch.setattr(vae, "posterior", lambda model, X: (z_mean, np.zeros_like(z_mean)))
    model = SimpleNamespace(latent_dim=4)
    activity, n_active = vae.active_units(model, "X")
    assert np.allclose(activity, [0.34, 0.0, 0.0136, 0.0034], atol=1e-4) and n_active == 2
    lesson04.check_active_units(2, model, "X")
    lesson04.check_active_units(np.array([2.0]), model, "X")
    lesson04.check_active_units(3, model, "X", threshold=0.003)
    lesson04.check_active_units(None, model, "X")
    assert capsys.readouterr().out == 3 * "active units: correct\n" + "active units: " + NOT_ATTEMPTED
    assert "default threshold 0.01" in judged(lesson04.check_active_units, 2, model, "X", 0.003)
    assert "not all units" in judged(lesson04.check_active_units, 4, model, "X", 0.003)
    assert "not all units of the code" in judged(lesson04.check_active_units, 4, model, "X")
    assert "is text" in judged(lesson04.check_active_units, "2", model, "X")
    assert "not True" in judged(lesson04.check_active_units, True, model, "X")
    assert "not right" in judged(lesson04.check_active_units, 2.4, model, "X")


# Lesson 05: coding exercises (nested cross-validation as two loops; successive halving's schedule)

def nested_cv_two_loops(estimator, param_grid, X, y, outer_cv, inner_cv):
    """The notebook's solution."""
    candidates, scores = list(ParameterGrid(param_grid)), []
    for train, test in outer_cv.split(X, y):
        X_outer, y_outer = X[train], y[train]
        inner_means = [np.mean([clone(estimator).set_params(**params).fit(X_outer[fit], y_outer[fit])
                                .score(X_outer[held_out], y_outer[held_out])
                                for fit, held_out in inner_cv.split(X_outer, y_outer)])
                       for params in candidates]
        best = candidates[int(np.argmax(inner_means))]
        scores.append(clone(estimator).set_params(**best).fit(X_outer, y_outer).score(X[test], y[test]))
    return np.array(scores)


def nested_cv_search_in_the_outer_loop(estimator, param_grid, X, y, outer_cv, inner_cv):
    """Another right form: a GridSearchCV inside an explicit outer loop, scores as a list."""
    return [GridSearchCV(estimator, param_grid, cv=inner_cv).fit(X[train], y[train]).score(X[test], y[test])
            for train, test in outer_cv.split(X, y)]


def halving_rounds(n_candidates, factor, min_resources, max_resources):
    """The notebook's solution."""
    rounds_needed = 1
    while factor**rounds_needed <= n_candidates:
        rounds_needed += 1
    rounds, n_samples = [], min_resources
    while len(rounds) < rounds_needed and n_samples <= max_resources:
        rounds.append((n_candidates, n_samples))
        n_candidates, n_samples = -(-n_candidates // factor), n_samples * factor
    return rounds


def halving_rounds_with_logarithms(n_candidates, factor, min_resources, max_resources):
    """Another right form: scikit-learn's formulas with logarithms, as an array of lists."""
    n_rounds = min(1 + int(np.floor(np.log(n_candidates) / np.log(factor) + 1e-9)),
                   1 + int(np.floor(np.log(max_resources // min_resources) / np.log(factor) + 1e-9)))
    counts = [n_candidates]
    for _ in range(n_rounds - 1):
        counts.append(int(np.ceil(counts[-1] / factor)))
    return np.array([[count, min_resources * factor**i] for i, count in enumerate(counts)])


def indexes_an_empty_list(*args):
    return [][0]


LESSON05_CHECKS = {"nested": lesson05.check_nested_cv, "halving": lesson05.check_halving_schedule}
LESSON05_RIGHT = [
    ("nested", nested_cv_two_loops), ("nested", nested_cv_search_in_the_outer_loop),
    ("nested", lesson05.nested_cv_scores),
    ("halving", halving_rounds), ("halving", halving_rounds_with_logarithms), ("halving", lesson05.halving_schedule),
]


@pytest.mark.parametrize(("check", "function"), LESSON05_RIGHT, ids=lambda x: getattr(x, "__name__", x))
def test_lesson05_checks_accept_the_solution_and_other_right_forms(check, function, capsys):
    assert LESSON05_CHECKS[check](function) is None
    assert capsys.readouterr().out == f"{LESSON05_CHECKS[check].topic}: correct\n"


@pytest.mark.parametrize(("check", "mistake"), [(check, mistake) for check, function in LESSON05_CHECKS.items()
                                                for mistake in function.mistakes])
def test_lesson05_checks_reject_each_named_mistake_with_its_own_hint(check, mistake, capsys):
    check = LESSON05_CHECKS[check]
    with pytest.raises(WrongAnswerError, match=f"^{re.escape(check.topic)}: .*Hint: ") as raised:
        check(check.mistakes[mistake].version)
    message = str(raised.value)
    assert message.endswith(check.mistakes[mistake].hint)
    assert all(other.hint not in message for name, other in check.mistakes.items() if name != mistake)
    assert capsys.readouterr().out == ""


def test_lesson05_named_mistakes_differ_from_the_right_result_on_every_draw_that_judges_them():
    rng = np.random.default_rng(5)  # check_nested_cv's seed: its first draw tells every version apart
    inputs = lesson05._draw_regression(rng)
    results = [lesson05.nested_cv_scores(*inputs)]
    results += [mistake.version(*inputs) for mistake in lesson05.check_nested_cv.mistakes.values()]
    assert all(not np.allclose(results[i], results[j]) for i in range(len(results)) for j in range(i))
    rng = np.random.default_rng(0)
    for _ in range(4):
        inputs = lesson05._draw_halving(rng)
        schedules = [lesson05.halving_schedule(*inputs)]
        schedules += [m.version(*inputs) for m in lesson05.check_halving_schedule.mistakes.values()]
        assert all(not np.array_equal(schedules[i], schedules[j]) for i in range(len(schedules)) for j in range(i))


@pytest.mark.parametrize("check", LESSON05_CHECKS)
def test_lesson05_checks_are_not_attempted_for_none_or_a_stub_returning_none(check, capsys):
    def stub(*args):
        return None

    LESSON05_CHECKS[check](None)
    LESSON05_CHECKS[check](stub)
    topic = LESSON05_CHECKS[check].topic
    assert capsys.readouterr().out == (f"{topic}: " + NOT_ATTEMPTED
                                       + f"{topic}: not attempted yet (your function still returns None)\n")


@pytest.mark.parametrize(("check", "answer", "hint"), [
    ("nested", "def nested_cv_scores(...): ...", "a function is asked for"),
    ("nested", True, "a function is asked for, and True is not one"),
    ("nested", lambda *args: "0.8", "is text"),
    ("nested", lambda *args: np.array([True, False, True]), "not True/False values|not True"),
    ("nested", indexes_an_empty_list, "raised IndexError: list index out of range"),
    ("nested", lambda estimator, grid, X, y, outer_cv, inner_cv: np.mean(lesson05.nested_cv_scores(
        estimator, grid, X, y, outer_cv, inner_cv)), r"returns a single number, where an array of shape \(\d,\)"),
    ("halving", "[(27, 10), (9, 30)]", "a function is asked for"),
    ("halving", False, "a function is asked for"),
    ("halving", lambda *args: "three rounds", "is text"),
    ("halving", lambda *args: [(True, 10), (False, 30)], "not True"),
    ("halving", indexes_an_empty_list, "raised IndexError: list index out of range"),
    ("halving", lambda *args: [27, 9, 3], r"shape \(3,\), where one \(candidates, samples\) pair per round"),
    ("halving", lambda n, factor, low, high: [(n, low)], "each round keeps the best"),
])
def test_lesson05_checks_give_a_distinct_hint_for_each_kind_of_wrong_answer(check, answer, hint, capsys):
    check = LESSON05_CHECKS[check]
    with pytest.raises(WrongAnswerError, match=f"^{re.escape(check.topic)}: .*({hint})"):
        check(answer)
    assert capsys.readouterr().out == ""


def test_lesson05_halving_schedule_is_scikit_learns():
    rng = np.random.default_rng(0)
    for _ in range(3):
        n_candidates, factor, min_resources, max_resources = lesson05._draw_halving(rng)
        X, y = np.zeros((max_resources, 1)), np.arange(max_resources) % 2
        search = HalvingGridSearchCV(DummyClassifier(), {"constant": list(range(n_candidates))}, factor=factor,
                                     min_resources=min_resources, max_resources=max_resources, cv=2,
                                     refit=False).fit(X, y)
        assert lesson05.halving_schedule(n_candidates, factor, min_resources, max_resources).tolist() == [
            [int(n), int(r)] for n, r in zip(search.n_candidates_, search.n_resources_, strict=True)]
