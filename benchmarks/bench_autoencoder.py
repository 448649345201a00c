"""Autoencoder training and AE+GMM fit times in lesson 02's configurations.

Configurations (as in ``notebooks/02_autoencoder_gmm.ipynb``): the digits
(1347 training images of 64 pixels) with latent width 10, one hidden layer of
64 units, 40 epochs, batches of 256, Adam at 3e-3; and the lifted blobs (750
points of 100 features) with latent width 2, 60 epochs, batches of 128. The
notebook trains nine digit autoencoders and three lifted ones. Each timing is
the median of ``repeats`` runs; the process CPU time of that run is reported
beside it (on a shared machine the wall time is inflated, the CPU time less).

One ratio explains a design choice of ``autoencoder.train_autoencoder``: feeding
Keras a ``tf.data`` pipeline instead of NumPy arrays, for which Keras rebuilds
its input pipeline every epoch.

Run on its own with ``python -m benchmarks.bench_autoencoder [--full]``.
"""

import sys
import time

import numpy as np

from aegmm_lessons import repro

# Before anything imports TensorFlow (a no-op if `make bench` already set it up).
if "tensorflow" not in sys.modules:
    repro.setup(0, tensorflow=True)

import keras

from aegmm_lessons import data
from aegmm_lessons.autoencoder import AutoencoderGMM, build_autoencoder, train_autoencoder
from aegmm_lessons.experiments import clustering_scores

DIGIT_AE = {"epochs": 40, "batch_size": 256, "learning_rate": 3e-3}
LIFTED_AE = {"epochs": 60, "batch_size": 128, "learning_rate": 3e-3}
# Lesson 02's budget is 60 s on 2 cores for everything; nine digit
# autoencoders must take well under half of it.
TRAIN_BUDGET = 2.5
FIT_BUDGET = 3.0
QUICK = {"repeats": 1}
FULL = {"repeats": 3}


def _timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _median(runs):
    runs = sorted(runs, key=lambda r: r[0])
    return runs[len(runs) // 2]


def _train_only(X, latent_dim, settings, as_arrays=False):
    keras.utils.set_random_seed(0)
    _, _, autoencoder = build_autoencoder(X.shape[1], latent_dim, output_activation="sigmoid")
    if not as_arrays:
        return train_autoencoder(autoencoder, X, random_state=0, **settings)
    autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate=settings["learning_rate"]), loss="mse")
    X32 = X.astype(np.float32)
    history = autoencoder.fit(X32, X32, epochs=settings["epochs"], batch_size=settings["batch_size"], verbose=0)
    return np.asarray(history.history["loss"])


def _row(metric, wall, cpu, budget, repeats, extra=""):
    return {
        "metric": metric,
        "value": wall,
        "budget": f"<= {budget:g}" if budget is not None else "",
        "note": ("" if budget is None else ("ok; " if wall <= budget else "OVER BUDGET; "))
        + f"median of {repeats}; process CPU {cpu:.1f} s{extra}",
    }


def run(full=False):
    settings = FULL if full else QUICK
    repeats = settings["repeats"]
    digits = data.load_digits_scaled()
    # One short fit first, so the first timed run does not pay for TensorFlow's start-up.
    _train_only(digits.X_train[:128], 2, {"epochs": 1, "batch_size": 64, "learning_rate": 1e-3})
    rows = []

    wall, cpu, history = _median(_timed(lambda: _train_only(digits.X_train, 10, DIGIT_AE)) for _ in range(repeats))
    rows.append(_row("AE training s, digits, d=10, 40 epochs (tf.data)", wall, cpu, TRAIN_BUDGET, repeats,
                     f"; final loss {repro.format_value(history[-1])}"))
    arrays_wall, arrays_cpu, arrays_history = _median(
        _timed(lambda: _train_only(digits.X_train, 10, DIGIT_AE, as_arrays=True)) for _ in range(repeats)
    )
    rows.append(_row("AE training s, same, NumPy arrays to Keras", arrays_wall, arrays_cpu, None, repeats,
                     f"; final loss {repro.format_value(arrays_history[-1])}"))
    rows.append({"metric": "training time ratio, arrays / tf.data", "value": arrays_wall / wall,
                 "budget": "", "note": "why train_autoencoder builds a tf.data pipeline"})

    def fit_digits():
        return AutoencoderGMM(10, latent_dim=10, random_state=0, **DIGIT_AE).fit(digits.X_train)

    wall, cpu, model = _median(_timed(fit_digits) for _ in range(repeats))
    ari = clustering_scores(digits.y_test, model.predict(digits.X_test))["ARI"]
    rows.append(_row("AE+GMM fit s, digits, d=10, K=10", wall, cpu, FIT_BUDGET, repeats,
                     f"; test ARI {repro.format_value(ari)}"))

    X, y = data.make_lifted_blobs(random_state=1)

    def fit_lifted():
        return AutoencoderGMM(4, latent_dim=2, random_state=1, **LIFTED_AE).fit(X[:750])

    wall, cpu, model = _median(_timed(fit_lifted) for _ in range(repeats))
    ari = clustering_scores(y[750:], model.predict(X[750:]))["ARI"]
    rows.append(_row("AE+GMM fit s, lifted blobs, d=2, K=4", wall, cpu, FIT_BUDGET, repeats,
                     f"; test ARI {repro.format_value(ari)}"))
    return rows


if __name__ == "__main__":
    from aegmm_lessons.repro import format_table

    print(format_table(run(full="--full" in sys.argv[1:]), columns=["metric", "value", "budget", "note"]))
