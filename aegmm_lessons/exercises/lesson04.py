"""Checks for lesson 04 (the VAE, derived): four answers computed by hand or with the package, and two functions
the learner writes for a Keras VAE (the reparameterized draws, the loss of ``train_step`` with a Gaussian decoder).

Importing this module loads TensorFlow (through :mod:`aegmm_lessons.vae`).
"""

import keras
import numpy as np

from ..vae import active_units, bernoulli_entropy, gaussian_kl, gaussian_nll
from . import Mistake, NotAttemptedError, WrongAnswerError, exercise, judge_number, number_check

__all__ = ["check_kl_values", "check_elbo_gap", "check_reconstruction_floors", "check_active_units",
           "check_sample_z", "check_vae_loss", "vae_loss_reference"]


def _kl_to_standard_normal(mu, variance):
    return 0.5 * (mu**2 + variance - 1.0 - np.log(variance))


# Exercise 1: KL(N(-2, e) || N(0, 1)) and KL(N(0.5, 0.25) || N(0, 1)), variances as the second argument.
check_kl_values = number_check(
    "KL values", lambda: tuple(gaussian_kl([[-2.0], [0.5]], [[1.0], [np.log(0.25)]])), digits=3,
    hint="KL = (mu^2 + sigma^2 - 1 - log sigma^2) / 2, term by term",
    mistakes={
        "the log term dropped": Mistake(lambda: (0.5 * (4.0 + np.e - 1.0), 0.5 * (0.25 + 0.25 - 1.0)),
                                        "keep the term -log sigma^2: it is not zero when sigma != 1"),
        "the log term with the wrong sign": Mistake(
            lambda: (0.5 * (4.0 + np.e - 1.0 + 1.0), 0.5 * (0.25 + 0.25 - 1.0 + np.log(0.25))),
            "mind the sign of -log sigma^2"),
        "0.25 read as the standard deviation": Mistake(
            lambda: (_kl_to_standard_normal(-2.0, np.e), _kl_to_standard_normal(0.5, 0.0625)),
            "N(mu, v) names the variance v, not the standard deviation"),
    },
)


def _kl_normal(m1, v1, m2, v2):
    """KL(N(m1, v1) || N(m2, v2)) for variances v1, v2."""
    return 0.5 * (np.log(v2 / v1) + (v1 + (m1 - m2) ** 2) / v2 - 1.0)


def _posterior(w, s, x):
    return w * x / (w**2 + s**2), s**2 / (w**2 + s**2)


# Exercise 2: the ELBO's gap log p(x) - ELBO(m, v) in the toy model z ~ N(0, 1), x | z ~ N(w z, s^2).
check_elbo_gap = number_check(
    "ELBO gap", lambda w, s, x, m, v: _kl_normal(m, v, *_posterior(w, s, x)), digits=3,
    hint="the gap is KL(q || p(z | x)); the posterior is Gaussian, with the mean and variance of section 2",
    mistakes={
        "the KL the wrong way round": Mistake(
            lambda w, s, x, m, v: _kl_normal(*_posterior(w, s, x), m, v),
            "the gap is KL(q || posterior), q first: the KL is not symmetric"),
        "the KL to the prior": Mistake(
            lambda w, s, x, m, v: _kl_to_standard_normal(m, v),
            "that is the KL to the prior N(0, 1), the ELBO's own term; the gap is the KL to the posterior"),
    },
)

check_reconstruction_floors = number_check(
    "reconstruction floors", lambda: tuple(bernoulli_entropy([[0.5] * 64, [0.0] * 64])), digits=2,
    hint="the floor is the pixels' binary entropy, summed over the 64 pixels",
    mistakes={"log 2 for the blank image too": Mistake(lambda: (64 * np.log(2), 64 * np.log(2)),
                                                       "a pixel at exactly 0 is certain: its entropy is 0")},
)


_ACTIVE_HINT = "count the units whose posterior mean varies over the images by more than the threshold"


@exercise("active units", {
    "the code's width": Mistake(lambda model, X, threshold=0.01: model.latent_dim,
                                "count the units whose posterior mean varies (its variance over the images above "
                                "the threshold), not all units of the code"),
    "the default threshold": Mistake(lambda model, X, threshold=0.01: active_units(model, X)[1],
                                     "that is the count at the default threshold 0.01; pass the threshold asked "
                                     "for"),
})
def check_active_units(answer, model, X, threshold=0.01):
    """How many latent units of the VAE ``model`` are active on ``X`` at ``threshold`` (Burda et al., 2016)."""
    wanted = active_units(model, X, threshold=threshold)[1]
    versions = {name: (mistake.version(model, X, threshold), mistake.hint)
                for name, mistake in check_active_units.mistakes.items()}
    mistakes = {name: version for name, version in versions.items() if version[0] != wanted}
    judge_number(answer, wanted, atol=1e-9, hint=_ACTIVE_HINT, mistakes=mistakes)


def _numeric(result, keras):
    """The learner's result as a float array, or a hint when it is not numbers."""
    array = np.asarray(keras.ops.convert_to_numpy(result))
    if array.dtype.kind not in "iuf":
        raise WrongAnswerError(f"your function returns {result!r:.40}, which is not numbers: a number is asked for")
    return array.astype(float)


# The reparameterization trick with several draws per example: shape (n_draws, batch, latent_dim).

_SHAPE_HINT = ("the noise needs one number per draw, per example *and* per latent unit: the shape "
               "(n_draws,) + z_mean's shape (the tutorial's noise of shape (batch,) is mistake B3)")


def _variance_as_scale(z_mean, z_log_var, n_draws, seed_generator):
    epsilon = keras.random.normal((n_draws, *keras.ops.shape(z_mean)), seed=seed_generator)
    return z_mean + keras.ops.exp(z_log_var) * epsilon


def _noise_per_example(z_mean, z_log_var, n_draws, seed_generator):
    epsilon = keras.random.normal((n_draws, keras.ops.shape(z_mean)[0], 1), seed=seed_generator)
    return z_mean + keras.ops.exp(0.5 * z_log_var) * epsilon


def _noise_of_batch_shape(z_mean, z_log_var, n_draws, seed_generator):
    epsilon = keras.random.normal((n_draws, keras.ops.shape(z_mean)[0]), seed=seed_generator)
    return z_mean + keras.ops.exp(0.5 * z_log_var) * epsilon


def _noise_shared_by_examples(z_mean, z_log_var, n_draws, seed_generator):
    epsilon = keras.random.normal((n_draws, 1, keras.ops.shape(z_mean)[1]), seed=seed_generator)
    return z_mean + keras.ops.exp(0.5 * z_log_var) * epsilon


def _one_draw_repeated(z_mean, z_log_var, n_draws, seed_generator):
    epsilon = keras.random.normal(keras.ops.shape(z_mean), seed=seed_generator)
    return keras.ops.stack([z_mean + keras.ops.exp(0.5 * z_log_var) * epsilon] * n_draws)


def _unseeded(z_mean, z_log_var, n_draws, seed_generator):
    epsilon = keras.random.normal((n_draws, *keras.ops.shape(z_mean)))  # Keras' global seed, not seed_generator
    return z_mean + keras.ops.exp(0.5 * z_log_var) * epsilon


_SAMPLE_MISTAKES = {
    "noise of shape (n_draws, batch) (B3)": Mistake(_noise_of_batch_shape, _SHAPE_HINT),
    "one draw per example, shared by its latent units": Mistake(
        _noise_per_example, "your draws move all latent units of an example together: each unit needs its own "
                            "noise"),
    "the same noise for every example": Mistake(
        _noise_shared_by_examples, "every example got the same noise: each example needs its own"),
    "one draw repeated": Mistake(_one_draw_repeated, "your draws are all the same: each draw needs fresh noise"),
    "the variance as the scale": Mistake(
        _variance_as_scale, "exp(z_log_var) is the variance; the noise is scaled by the standard deviation"),
    "the seed generator not used": Mistake(
        _unseeded, "two seed generators with the same seed gave different draws: pass seed=seed_generator to "
                   "keras.random.normal, so that the draws are reproducible"),
}


@exercise("reparameterized draws", _SAMPLE_MISTAKES)
def check_sample_z(sample_z):
    """``sample_z(z_mean, z_log_var, n_draws, seed_generator)``: tensors of shape (n_draws, batch, latent_dim).

    Judged by what the draws must be, on 300 codes of width 3 (20 draws), 2 codes of width 2 (a batch as wide as
    the code, 3 draws) and 5 codes of width 1 (4 draws): the standardized noise ``(z - z_mean) / exp(z_log_var / 2)``
    has the draws' shape, mean 0 and standard deviation 1, and differs between draws, examples and latent units;
    and two seed generators with the same seed give the same draws.
    """
    if not callable(sample_z):
        raise WrongAnswerError("a function is asked for: define sample_z with def and pass its name, without "
                               "calling it")
    rng = np.random.default_rng(4)
    for batch, latent_dim, n_draws in ((300, 3, 20), (2, 2, 3), (5, 1, 4)):
        z_mean = (2.0 * rng.standard_normal((batch, latent_dim))).astype("float32")
        z_log_var = rng.uniform(-2.5, -1.0, size=(batch, latent_dim)).astype("float32")
        z_log_var[rng.uniform(size=z_log_var.shape) < 0.5] *= -0.8  # variances from about 0.1 to 7
        seed = int(rng.integers(2**16))
        try:
            z = sample_z(keras.ops.convert_to_tensor(z_mean), keras.ops.convert_to_tensor(z_log_var), n_draws,
                         keras.random.SeedGenerator(seed))
            z_again = None if z is None else sample_z(
                keras.ops.convert_to_tensor(z_mean), keras.ops.convert_to_tensor(z_log_var), n_draws,
                keras.random.SeedGenerator(seed))
        except Exception as error:
            raise WrongAnswerError(f"your function raised {type(error).__name__} for a batch of {batch} codes of "
                                   f"width {latent_dim}. Hint: {_SHAPE_HINT}") from error
        if z is None:
            raise NotAttemptedError("your function still returns None")
        z = _numeric(z, keras)
        if z.shape != (n_draws, batch, latent_dim):
            raise WrongAnswerError(f"for {n_draws} draws of a batch of {batch} codes of width {latent_dim} your "
                                   f"function returns shape {z.shape}. Hint: {_SHAPE_HINT}")
        if z_again is None or not np.allclose(z, _numeric(z_again, keras)):
            raise WrongAnswerError(_SAMPLE_MISTAKES["the seed generator not used"].hint)
        epsilon = (z - z_mean) / np.exp(0.5 * z_log_var)
        if n_draws > 1 and np.allclose(epsilon[0], epsilon[1:]):
            raise WrongAnswerError(_SAMPLE_MISTAKES["one draw repeated"].hint)
        if batch > 1 and np.allclose(epsilon[:, :1], epsilon[:, 1:]):
            raise WrongAnswerError(_SAMPLE_MISTAKES["the same noise for every example"].hint)
        if latent_dim > 1 and np.allclose(epsilon[..., :1], epsilon[..., 1:]):
            raise WrongAnswerError(_SAMPLE_MISTAKES["one draw per example, shared by its latent units"].hint)
        if epsilon.size >= 1000:
            spread = (z - z_mean) / np.exp(z_log_var)
            if abs(spread.std() - 1.0) < 0.05 < abs(epsilon.std() - 1.0):
                raise WrongAnswerError(_SAMPLE_MISTAKES["the variance as the scale"].hint)
            if abs(epsilon.mean()) > 0.05 or abs(epsilon.std() - 1.0) > 0.05:
                raise WrongAnswerError("z - z_mean, divided by the standard deviation exp(z_log_var / 2), should be "
                                       "standard normal noise: mean 0, standard deviation 1")


# The loss of train_step with a Gaussian decoder of per-pixel log-variance: batch means of reconstruction + beta * KL.

def vae_loss_reference(x, x_hat, log_var, z_mean, z_log_var, beta):
    """``mean(-log N(x; x_hat, diag(exp(log_var)))) + beta * mean(KL)`` over the batch, in float64."""
    x, x_hat, z_mean, z_log_var = (np.asarray(a, dtype=np.float64) for a in (x, x_hat, z_mean, z_log_var))
    return float(np.mean(gaussian_nll(x, x_hat, np.asarray(log_var, dtype=np.float64)))
                 + beta * np.mean(gaussian_kl(z_mean, z_log_var)))


def _kl(z_mean, z_log_var):
    return float(np.mean(gaussian_kl(np.asarray(z_mean, float), np.asarray(z_log_var, float))))


def _reconstruction(x, x_hat, log_var):
    return float(np.mean(gaussian_nll(np.asarray(x, float), np.asarray(x_hat, float), np.asarray(log_var, float))))


def _squared_error_term(x, x_hat, log_var):
    return np.sum((np.asarray(x) - np.asarray(x_hat)) ** 2 / np.exp(log_var), axis=1)


def _log_var_term(x, log_var):
    return np.shape(x)[1] * np.log(2 * np.pi) + np.sum(log_var)


_LOSS_MISTAKES = {
    "the ELBO itself, not its negative (B2)": Mistake(
        lambda x, x_hat, lv, m, v, beta: -(_reconstruction(x, x_hat, lv) + beta * _kl(m, v)),
        "Keras *minimizes* the loss, and the ELBO is to be maximized: the loss is the negative ELBO "
        "(mistake B2)"),
    "the KL subtracted": Mistake(
        lambda x, x_hat, lv, m, v, beta: _reconstruction(x, x_hat, lv) - beta * _kl(m, v),
        "the KL to the prior is a cost: it is added to the reconstruction term, not subtracted"),
    "beta on the reconstruction": Mistake(
        lambda x, x_hat, lv, m, v, beta: beta * _reconstruction(x, x_hat, lv) + _kl(m, v),
        "beta weights the KL term (the rate), not the reconstruction"),
    "beta left out": Mistake(
        lambda x, x_hat, lv, m, v, beta: _reconstruction(x, x_hat, lv) + _kl(m, v),
        "the KL term is weighted by beta"),
    "the log-variance term left out": Mistake(
        lambda x, x_hat, lv, m, v, beta: float(np.mean(0.5 * _squared_error_term(x, x_hat, lv))) + beta * _kl(m, v),
        "-log N(x; x_hat, sigma^2) has a term (log 2 pi + log sigma_j^2) / 2 per pixel: without it, widening the "
        "variance would lower the loss for ever"),
    "the squared error without its 1/2": Mistake(
        lambda x, x_hat, lv, m, v, beta: float(np.mean(_squared_error_term(x, x_hat, lv) + 0.5 * _log_var_term(x, lv)))
        + beta * _kl(m, v),
        "the squared error is divided by 2 sigma^2, not by sigma^2"),
    "the standard deviation as the variance": Mistake(
        lambda x, x_hat, lv, m, v, beta: _reconstruction(x, x_hat, 2 * np.asarray(lv)) + beta * _kl(m, v),
        "exp(log_var) is the variance sigma^2 of each pixel, not its standard deviation"),
    "the mean over pixels": Mistake(
        lambda x, x_hat, lv, m, v, beta: _reconstruction(x, x_hat, lv) / np.shape(x)[1] + beta * _kl(m, v),
        "-log p(x | z) sums over the pixels; only the batch is averaged"),
    "summed over the batch": Mistake(
        lambda x, x_hat, lv, m, v, beta: np.shape(x)[0] * (_reconstruction(x, x_hat, lv) + beta * _kl(m, v)),
        "average over the examples of the batch, so that the loss does not grow with the batch size"),
}


def _draw_batch(rng):
    batch, n_features, latent_dim = int(rng.integers(20, 40)), int(rng.integers(5, 12)), int(rng.integers(2, 5))
    x = rng.uniform(size=(batch, n_features))
    x[rng.uniform(size=x.shape) < 0.3] = 0.0
    x_hat = rng.uniform(0.05, 0.95, size=(batch, n_features))
    log_var = rng.uniform(-3.0, 0.5, size=n_features)
    z_mean, z_log_var = rng.normal(size=(batch, latent_dim)), rng.uniform(-2.0, 1.0, size=(batch, latent_dim))
    return x, x_hat, log_var, z_mean, z_log_var, float(rng.uniform(0.2, 3.0))


def _train_with(loss, X, epochs):
    """A small Gaussian VAE on ``X`` trained on ``loss``: the package's VAE with ``compute_losses`` overridden."""
    from .. import vae

    class LossVAE(vae.VAE):
        def compute_losses(self, x):
            z_mean, z_log_var, z = self.encoder(x)
            x_hat, log_var = self.decoder(z), self.log_var()
            reconstruction = keras.ops.mean(gaussian_nll(x, x_hat, log_var))
            kl = keras.ops.mean(gaussian_kl(z_mean, z_log_var))
            return loss(x, x_hat, log_var, z_mean, z_log_var, self.beta), reconstruction, kl

    keras.utils.set_random_seed(0)
    model = LossVAE(vae.build_encoder(X.shape[1], 2, (16,), random_state=0),
                    vae.build_decoder(2, X.shape[1], (16,), "gaussian"), likelihood="gaussian")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3))
    history = model.fit(X.astype("float32"), epochs=epochs, batch_size=64, verbose=0).history
    return np.asarray(history["loss"]), np.asarray(history["reconstruction_loss"]) + np.asarray(history["kl_loss"])


@exercise("VAE loss", _LOSS_MISTAKES)
def check_vae_loss(vae_loss, X=None, epochs=5):
    """``vae_loss(x, x_hat, log_var, z_mean, z_log_var, beta)`` on Keras tensors is the package's Gaussian loss.

    Three random batches (tensors of varying widths, a per-pixel ``log_var`` of shape (n_features,), ``beta`` not
    1) are compared with :func:`vae_loss_reference`; when data ``X`` (n_samples, n_features) is given, a small VAE
    with a Gaussian decoder then trains on the learner's loss for ``epochs`` epochs, and its loss must fall.
    """
    if not callable(vae_loss):
        raise WrongAnswerError("a function is asked for: define vae_loss with def and pass its name, without "
                               "calling it")
    rng = np.random.default_rng(5)
    for _ in range(3):
        x, x_hat, log_var, z_mean, z_log_var, beta = _draw_batch(rng)
        tensors = [keras.ops.convert_to_tensor(a.astype("float32")) for a in (x, x_hat, log_var, z_mean, z_log_var)]
        try:
            given = vae_loss(*tensors, beta)
        except Exception as error:
            raise WrongAnswerError(f"your function raised {type(error).__name__}: {error} on Keras tensors (a "
                                   "train_step passes tensors: use keras.ops, not NumPy)") from error
        if given is None:
            raise NotAttemptedError("your function still returns None")
        given = _numeric(given, keras)
        if given.size != 1:
            raise WrongAnswerError(f"your function returns an array of shape {given.shape}; the loss is one number, "
                                   "the mean over the batch")
        wanted = vae_loss_reference(x, x_hat, log_var, z_mean, z_log_var, beta)
        if np.isclose(given.item(), wanted, rtol=1e-4, atol=1e-4):
            continue
        for version, hint in _LOSS_MISTAKES.values():
            if np.isclose(given.item(), version(x, x_hat, log_var, z_mean, z_log_var, beta), rtol=1e-4, atol=1e-4):
                raise WrongAnswerError(f"not right. Hint: {hint}")
        raise WrongAnswerError("not right. Hint: the mean over the batch of -log N(x; x_hat, diag(exp(log_var))) "
                               "(summed over pixels) plus beta times the mean KL")
    if X is not None:
        try:
            loss, package_loss = _train_with(vae_loss, np.asarray(X, dtype=float), epochs)
        except Exception as error:
            raise WrongAnswerError(f"training a VAE on your loss raised {type(error).__name__}: in train_step the "
                                   "tensors are symbolic, so use keras.ops, not NumPy") from error
        if not (np.all(np.isfinite(loss)) and loss[-1] < loss[0]):
            raise WrongAnswerError("a VAE trained on your loss did not improve: the loss should fall")
        if not np.allclose(loss, package_loss, rtol=1e-4):
            raise WrongAnswerError("in training, your loss differs from reconstruction + beta * KL")
        print(f"VAE loss: a small VAE trained {epochs} epochs on your loss; the loss fell and equals the tracked "
              "reconstruction + KL at every epoch")
