"""Bad input gets a clear error, never a NaN or a crash.

One table: each row throws one bad input (wrong width, 1-D, empty, NaN, inf,
wrong dtype, K > n, non-SPD covariance, weights off the simplex, negative beta,
unknown parameter names, ...) at one public function or estimator of the
package, and expects a ``ValueError`` (or ``TypeError``) whose message says
what was expected and names what was given. Warnings are errors here: a bad
input must not first produce an overflow warning and then a NaN.

A row marked ``xfail(strict=True)`` is a known gap: it documents the input the
package does not yet reject, and turns into a failure (so the mark gets
removed) once the package does.

Case ids read ``<kind>-<function>``; the last test checks that every kind of
bad input is in the table.
"""

import re
import sys
from functools import cached_property

import numpy as np
import pytest

from aegmm_lessons import automl, data, gmm, plotting, refine, repro, validation, widgets
from aegmm_lessons.params import GMMParams

REQUIRED_KINDS = {
    "width", "1d", "empty", "nan", "inf", "dtype", "k-gt-n", "non-spd", "simplex",
    "negative-beta", "unknown-parameter",
}
# The part of a message that states what was expected (or what to use instead).
SAYS_EXPECTED = re.compile(
    r"must|expect|valid parameters|did you mean|cannot|could not|one of|: use '"
    r"|inconsistent|incompatible|the search varied",
    re.I,
)


class Inputs:
    """Valid objects for the cases to spoil, built on first use (Keras ones only if needed)."""

    @cached_property
    def X(self):
        return np.random.default_rng(0).normal(size=(40, 2))

    @cached_property
    def params(self):
        return GMMParams([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], np.stack([np.eye(2)] * 2))

    @cached_property
    def layout(self):
        return refine.ParamLayout.from_params(self.params)

    @cached_property
    def fitted_em(self):
        return gmm.GaussianMixtureEM(2, random_state=0).fit(self.X)

    @cached_property
    def axes(self):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, ax = plt.subplots()
        plt.close(figure)
        return ax

    @cached_property
    def trajectory(self):
        return widgets.em_trajectory(self.X, self.params, 3)

    @cached_property
    def X01(self):
        return np.random.default_rng(1).uniform(size=(32, 6))

    @cached_property
    def keras_ready(self):
        if "tensorflow" not in sys.modules:
            repro.setup(0, tensorflow=True)
        return True

    @cached_property
    def autoencoder(self):
        assert self.keras_ready
        from aegmm_lessons.autoencoder import build_autoencoder

        return build_autoencoder(6, 2, hidden_units=(4,))

    @cached_property
    def vae_model(self):
        assert self.keras_ready
        from aegmm_lessons import vae

        return vae.fit_vae(self.X01, latent_dim=2, hidden_units=(4,), epochs=1, batch_size=32)


FX = Inputs()


def ae():
    assert FX.keras_ready
    from aegmm_lessons import autoencoder

    return autoencoder


def vae():
    assert FX.keras_ready
    from aegmm_lessons import vae as module

    return module


def em(**kwargs):
    return gmm.GaussianMixtureEM(**kwargs)


def aegmm(**kwargs):
    options = {"latent_dim": 2, "n_components": 2, "epochs": 1, "hidden_units": (4,)}
    options.update(kwargs)
    return ae().AutoencoderGMM(**options)


def case(case_id, call, names, error=ValueError, gap=None):
    """One row: ``call()`` must raise ``error`` with a message matching ``names`` (the actual)."""
    marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
    return pytest.param(call, error, names, id=case_id, marks=marks)


NAN_ROW = [[np.nan, 0.0]]
INF_ROW = [[np.inf, 0.0]]
HUGE = 1e200  # finite, but its square overflows float64

CASES = [
    # --- GMMParams: the value object every other module trusts ---------------
    case("simplex-GMMParams", lambda: GMMParams([0.5, 0.4], FX.params.means, FX.params.covariances),
         r"sum 0\.9"),
    case("simplex-GMMParams-negative", lambda: GMMParams([1.5, -0.5], FX.params.means, FX.params.covariances),
         r"-0\.5"),
    case("non-spd-GMMParams",
         lambda: GMMParams(FX.params.weights, FX.params.means, np.stack([np.eye(2), np.diag([1.0, -1.0])])),
         r"covariances\[1\].*eigenvalue -1"),
    case("non-spd-GMMParams-asymmetric",
         lambda: GMMParams(FX.params.weights, FX.params.means, np.stack([np.eye(2), [[1, 0.5], [0, 1]]])),
         r"symmetric.*0\.5"),
    case("non-spd-GMMParams-diag", lambda: GMMParams(FX.params.weights, FX.params.means, [[1, 0], [1, 1]], "diag"),
         r"minimum 0"),
    case("width-GMMParams-means", lambda: GMMParams(FX.params.weights, [[0, 0]], FX.params.covariances),
         r"\(1, 2\)"),
    case("width-GMMParams-covariances",
         lambda: GMMParams(FX.params.weights, FX.params.means, np.stack([np.eye(3)] * 2)),
         r"\(2, 2, 2\).*\(2, 3, 3\)"),
    case("nan-GMMParams", lambda: GMMParams(FX.params.weights, [[0, np.nan], [1, 1]], FX.params.covariances),
         r"1 NaN"),
    case("dtype-GMMParams", lambda: GMMParams(["a", "b"], FX.params.means, FX.params.covariances), r"'a'"),
    case("unknown-parameter-GMMParams-covariance_type",
         lambda: GMMParams(FX.params.weights, FX.params.means, FX.params.covariances, "spherical"), r"'spherical'"),
    case("width-GMMParams.check_data", lambda: FX.params.check_data(np.ones((5, 3))), r"3 features.*= 2"),
    # --- validation: the one input path -------------------------------------
    case("1d-check_array_2d", lambda: validation.check_array_2d(np.ones(5)), r"1-D shape \(5,\)"),
    case("1d-check_array_2d-3d", lambda: validation.check_array_2d(np.ones((2, 2, 2))), r"3-D shape \(2, 2, 2\)"),
    case("empty-check_array_2d", lambda: validation.check_array_2d(np.ones((0, 3))), r"\(0, 3\)"),
    case("nan-check_array_2d", lambda: validation.check_array_2d(NAN_ROW), r"1 NaN"),
    case("inf-check_array_2d", lambda: validation.check_array_2d(INF_ROW), r"1 NaN or infinite"),
    case("dtype-check_array_2d-strings", lambda: validation.check_array_2d([["a", "b"]]), r"'a'"),
    case("dtype-check_array_2d-complex", lambda: validation.check_array_2d(np.ones((3, 2)) * 1j), r"complex"),
    case("dtype-check_positive_int", lambda: validation.check_positive_int("n_components", 2.5), r"float 2\.5"),
    case("negative-beta-check_non_negative", lambda: validation.check_non_negative("beta", -1.0), r"-1\.0"),
    # --- gmm: EM functions and the estimator --------------------------------
    case("width-log_gaussian_prob", lambda: gmm.log_gaussian_prob(np.ones((5, 3)), FX.params), r"3 features.*= 2"),
    case("nan-e_step", lambda: gmm.e_step(np.full((5, 2), np.nan), FX.params), r"10 NaN"),
    case("dtype-e_step-params", lambda: gmm.e_step(FX.X, {"weights": [1.0]}), r"dict"),
    case("width-m_step-resp", lambda: gmm.m_step(FX.X, np.full((10, 2), 0.5)), r"\(40, K\).*\(10, 2\)"),
    case("simplex-m_step-negative-resp", lambda: gmm.m_step(FX.X, np.tile([1.5, -0.5], (40, 1))), r"-0\.5"),
    case("unknown-parameter-m_step-covariance_type",
         lambda: gmm.m_step(FX.X, np.full((40, 2), 0.5), covariance_type="tied"), r"'tied'"),
    case("k-gt-n-kmeans_init", lambda: gmm.kmeans_init(FX.X[:3], 5), r"n_components = 5.*n_samples = 3"),
    case("k-gt-n-GaussianMixtureEM.fit", lambda: em(n_components=5).fit(FX.X[:3]), r"n_components = 5.*n_samples = 3"),
    case("1d-GaussianMixtureEM.fit", lambda: em(n_components=2).fit(FX.X[:, 0]), r"1-D shape \(40,\)"),
    case("empty-GaussianMixtureEM.fit", lambda: em(n_components=2).fit(np.empty((0, 2))), r"\(0, 2\)"),
    case("inf-GaussianMixtureEM.fit", lambda: em(n_components=2).fit(np.vstack([FX.X, INF_ROW])), r"1 NaN or infinite"),
    case("dtype-GaussianMixtureEM.fit", lambda: em().fit([["a", "b"], ["c", "d"]]), r"'a'"),
    case("dtype-GaussianMixtureEM-n_components", lambda: em(n_components=2.5).fit(FX.X), r"float 2\.5"),
    case("unknown-parameter-GaussianMixtureEM-covariance_type",
         lambda: em(n_components=2, covariance_type="spherical").fit(FX.X), r"'spherical'"),
    case("unknown-parameter-GaussianMixtureEM.set_params", lambda: em().set_params(n_component=3),
         r"'n_component'"),
    case("negative-GaussianMixtureEM-reg_covar", lambda: em(reg_covar=-1.0).fit(FX.X), r"-1\.0"),
    case("width-GaussianMixtureEM-init", lambda: em(n_components=3, init=FX.params).fit(FX.X),
         r"\(3, 2, 'full'\).*\(2, 2, 'full'\)"),
    case("width-GaussianMixtureEM.predict", lambda: FX.fitted_em.predict(np.ones((3, 5))), r"5 features.*= 2"),
    case("nan-GaussianMixtureEM.score", lambda: FX.fitted_em.score(np.full((3, 2), np.nan)), r"6 NaN"),
    case("width-GaussianMixtureEM.bic", lambda: FX.fitted_em.bic(np.ones((4, 1))), r"1 features.*= 2"),
    case("empty-GaussianMixtureEM.sample", lambda: FX.fitted_em.sample(0), r"got 0"),
    case("inf-e_step-overflow", lambda: gmm.e_step(np.full((3, 2), HUGE), FX.params), r"overflow|too large|scale"),
    case("inf-GaussianMixtureEM.score-overflow", lambda: FX.fitted_em.score(np.full((3, 2), HUGE)),
         r"overflow|too large|scale"),
    case("simplex-m_step-rows-not-summing-to-one", lambda: gmm.m_step(FX.X, np.zeros((40, 2))), r"sum"),
    # --- refine: BFGS on the flat parameter vector --------------------------
    case("dtype-refine-params", lambda: refine.refine("params", FX.X), r"str"),
    case("width-refine", lambda: refine.refine(FX.params, np.ones((5, 3))), r"3 features.*= 2"),
    case("unknown-parameter-refine-method", lambda: refine.refine(FX.params, FX.X, method="Nelder-Mead"),
         r"'Nelder-Mead'"),
    case("unknown-parameter-refine-gradient", lambda: refine.refine(FX.params, FX.X, gradient="autodiff"),
         r"'autodiff'"),
    case("negative-refine-tol", lambda: refine.refine(FX.params, FX.X, tol=-1.0), r"-1\.0"),
    case("width-ParamLayout.unpack", lambda: FX.layout.unpack(np.zeros(3)), r"\(11,\).*\(3,\)"),
    case("nan-ParamLayout.unpack", lambda: FX.layout.unpack(np.full(FX.layout.size, np.nan)), r"11 NaN"),
    case("width-ParamLayout.pack", lambda: refine.ParamLayout(3, 2).pack(FX.params),
         r"\(2, 2, 'full'\).*\(3, 2, 'full'\)"),
    case("width-negative_log_likelihood-theta", lambda: refine.negative_log_likelihood(np.zeros(3), FX.X, FX.layout),
         r"\(11,\).*\(3,\)"),
    case("width-negative_log_likelihood-X",
         lambda: refine.negative_log_likelihood(FX.layout.pack(FX.params), np.ones((4, 3)), FX.layout),
         r"3 features.*= 2"),
    case("empty-ParamLayout", lambda: refine.ParamLayout(0, 2), r"got 0"),
    case("inf-negative_log_likelihood-overflow",
         lambda: refine.negative_log_likelihood(FX.layout.pack(FX.params), np.full((3, 2), HUGE), FX.layout),
         r"overflow|too large|scale"),
    case("k-gt-n-synthetic_latent_codes", lambda: refine.synthetic_latent_codes(n_samples=5, n_components=10),
         r"10.*5"),
    case("unknown-parameter-compare_optimizers",
         lambda: refine.compare_optimizers(FX.X, FX.params, optimizers=("Adam",)),
         r"'Adam'"),
    case("width-compare_optimizers", lambda: refine.compare_optimizers(np.ones((5, 3)), FX.params), r"3 features.*= 2"),
    case("empty-iterations_to_reach", lambda: refine.iterations_to_reach(np.array([]), 1.0), r"\(0,\)"),
    case("nan-iterations_to_reach", lambda: refine.iterations_to_reach(np.array([1.0, np.nan]), 1.0), r"NaN"),
    case("unknown-parameter-convergence_by_separation",
         lambda: refine.convergence_by_separation([2.0], optimizers=("Adam",)), r"'Adam'"),
    case("negative-synthetic_latent_codes-separation", lambda: refine.synthetic_latent_codes(separation=-1.0),
         r"-1\.0"),
    # --- data, repro, automl ------------------------------------------------
    case("range-load_digits_scaled-test_size", lambda: data.load_digits_scaled(test_size=1.5), r"1\.5"),
    case("empty-make_lifted_blobs", lambda: data.make_lifted_blobs(n_samples=0), r"got 0"),
    case("k-gt-n-make_lifted_blobs", lambda: data.make_lifted_blobs(n_samples=3, n_centers=4), r"= 3.*got 4"),
    case("1d-lift", lambda: data.lift(np.ones(5)), r"1-D shape \(5,\)"),
    case("range-repro.setup-seed", lambda: repro.setup(-1), r"-1"),
    case("negative-repro.format_seconds", lambda: repro.format_seconds(-1.0), r"-1\.0"),
    case("empty-repro.format_table", lambda: repro.format_table([]), r"got 0"),
    case("unknown-parameter-automl.check_param_grid",
         lambda: automl.check_param_grid(em(), {"n_component": [1, 2]}), r"'n_component'.*'n_components'"),
    case("empty-automl.count_candidates", lambda: automl.count_candidates({"alpha": []}), r"got \[\]"),
    case("range-automl.count_fits", lambda: automl.count_fits({"alpha": [1]}, 1), r"got 1"),
    case("1d-shuffle_pixels", lambda: data.shuffle_pixels(np.ones(5)), r"1-D shape \(5,\)"),
    case("dtype-repro.format_metrics", lambda: repro.format_metrics([1, 2]), r"list"),
    case("nan-automl.measure_fit_seconds", lambda: automl.measure_fit_seconds(em(), np.full((4, 2), np.nan)),
         r"8 NaN"),
    case("unknown-parameter-automl.measure_fit_seconds",
         lambda: automl.measure_fit_seconds(em(), FX.X, candidates=({"n_component": 2},)), r"'n_component'"),
    case("unknown-parameter-automl.nested_cross_validation",
         lambda: automl.nested_cross_validation(em(), {"k": [1, 2]}, FX.X), r"'k'"),
    case("range-automl.nested_cross_validation-inner_cv",
         lambda: automl.nested_cross_validation(em(), {"n_components": [1, 2]}, FX.X, inner_cv=1), r"Got 1"),
    case("unknown-parameter-automl.score_matrix",
         lambda: automl.score_matrix([{"a": 1, "b": 2, "mean_test_score": 0.5}], "a", "zzz"), r"'zzz'"),
    case("unknown-parameter-automl.make_unsupervised_scorer", lambda: automl.make_unsupervised_scorer("aic2"),
         r"'aic2'"),
    case("width-automl.log_likelihood_scorer", lambda: automl.log_likelihood_scorer(FX.fitted_em, np.ones((3, 5))),
         r"5 features.*= 2"),
    case("width-automl.neg_bic_scorer", lambda: automl.neg_bic_scorer(FX.fitted_em, np.ones((3, 5))),
         r"5 features.*= 2"),
    case("dtype-automl.mixture_moments", lambda: automl.mixture_moments("params"), r"str"),
    # --- widgets and plotting: the pure functions behind the controls -------
    case("empty-mixture_components_widget", lambda: widgets.mixture_components_widget(FX.X[:, 0], max_components=0),
         r"got 0"),
    case("width-mixture_components_figure", lambda: widgets.mixture_components_figure(FX.X), r"\(40, 2\)"),
    case("empty-latent_grid", lambda: widgets.latent_grid(lambda Z: np.zeros((len(Z), 4)), 0), r"got 0"),
    case("width-latent_grid-dims", lambda: widgets.latent_grid(lambda Z: np.zeros((len(Z), 4)), 2, dims=(0, 5)),
         r"\(0, 5\)"),
    case("width-decode_latent_point",
         lambda: widgets.decode_latent_point(lambda Z: np.zeros((len(Z), 4)), np.zeros(3), (2, 3)), r"\(1, 4\)"),
    case("width-em_trajectory", lambda: widgets.em_trajectory(np.ones((5, 3)), FX.params, 3), r"3 features.*= 2"),
    case("range-em_trajectory-n_iter", lambda: widgets.em_trajectory(FX.X, FX.params, -1), r"-1"),
    case("range-em_steps_figure-iteration", lambda: widgets.em_steps_figure(FX.X, FX.trajectory, iterations=(10,)),
         r"got 10"),
    case("range-reconstruction_view-index", lambda: widgets.reconstruction_view(FX.X01, {"AE": FX.X01}, 99),
         r"got 99"),
    case("width-reconstruction_view", lambda: widgets.reconstruction_view(FX.X01, {"AE": FX.X01[:, :3]}, 0),
         r"\(32, 6\).*\(32, 3\)"),
    case("dtype-reconstruction_view-array", lambda: widgets.reconstruction_view(FX.X01, FX.X01, 0), r"ndarray"),
    case("unknown-parameter-search_heatmap_figure",
         lambda: widgets.search_heatmap_figure([{"a": 1, "b": 2, "mean_test_score": 0.5}], "a", "zzz"), r"'zzz'"),
    case("width-tile_images", lambda: plotting.tile_images(np.zeros((4, 10)), (3, 3), 2, 2), r"\(4, 9\).*\(4, 10\)"),
    case("width-image_grid", lambda: plotting.image_grid(np.zeros((4, 10)), (3, 3)), r"\(4, 10\)"),
    case("width-plot_density_1d",
         lambda: plotting.plot_density_1d(FX.axes, FX.X[:, 0], np.linspace(0, 1, 5), np.ones(4)),
         r"\(5,\).*\(4,\)"),
    case("width-plot_score_heatmap", lambda: plotting.plot_score_heatmap(FX.axes, [1, 2], [1, 2, 3], np.ones((2, 2))),
         r"\(3, 2\).*\(2, 2\)"),
    case("1d-plot_latent_scatter", lambda: plotting.plot_latent_scatter(FX.axes, np.ones(5)), r"\(5,\)"),
    case("width-plot_latent_scatter-labels", lambda: plotting.plot_latent_scatter(FX.axes, FX.X, labels=np.zeros(3)),
         r"\(40,\).*\(3,\)"),
    case("width-plot_rate_distortion", lambda: plotting.plot_rate_distortion(FX.axes, [1, 2], [1]), r"\(2,\).*\(1,\)"),
    case("width-plot_em_state", lambda: plotting.plot_em_state(FX.axes, np.ones((5, 3)), FX.params), r"3 features"),
    case("dtype-draw_gmm_ellipses", lambda: plotting.draw_gmm_ellipses(FX.axes, "params"), r"str"),
    case("width-draw_gmm_ellipses-dims", lambda: plotting.draw_gmm_ellipses(FX.axes, FX.params, dims=(0, 5)),
         r"\(0, 5\)"),
    # --- autoencoder (Keras) ------------------------------------------------
    case("width-build_autoencoder", lambda: ae().build_autoencoder(0, 2), r"got 0"),
    case("unknown-parameter-build_autoencoder-relu",
         lambda: ae().build_autoencoder(6, 2, output_activation="relu"), r"'relu'"),
    case("width-encode", lambda: ae().encode(FX.autoencoder[0], np.ones((3, 5))), r"5 features.*= 6"),
    case("1d-encode", lambda: ae().encode(FX.autoencoder[0], np.ones(6)), r"1-D shape \(6,\)"),
    case("nan-reconstruct", lambda: ae().reconstruct(FX.autoencoder[2], np.full((3, 6), np.nan)), r"18 NaN"),
    case("width-reconstruct-with-encoder", lambda: ae().reconstruct(FX.autoencoder[0], FX.X01), r"6 -> 2"),
    case("dtype-encode-not-a-model", lambda: ae().encode("encoder", FX.X01), r"str", error=(ValueError, TypeError)),
    case("nan-output_activation_for", lambda: ae().output_activation_for(np.full((3, 2), np.nan)), r"6 NaN"),
    case("range-check_output_activation-sigmoid", lambda: ae().check_output_activation("sigmoid", -FX.X),
         r"ranges over \[-"),
    case("width-reconstruction_error", lambda: ae().reconstruction_error(FX.autoencoder[2], np.ones((3, 5))),
         r"5 features.*= 6"),
    case("width-train_autoencoder", lambda: ae().train_autoencoder(FX.autoencoder[2], np.ones((3, 5)), epochs=1),
         r"\(None, 5\)"),
    case("empty-train_autoencoder-epochs", lambda: ae().train_autoencoder(FX.autoencoder[2], FX.X01, epochs=0),
         r"got 0"),
    case("negative-train_autoencoder-learning_rate",
         lambda: ae().train_autoencoder(FX.autoencoder[2], FX.X01, epochs=1, learning_rate=-1.0), r"-1\.0"),
    case("width-clustering_scores", lambda: ae().clustering_scores([0, 1, 1], [0, 1]), r"\[3, 2\]"),
    case("unknown-parameter-fit_feature_gmm", lambda: ae().fit_feature_gmm("tsne", FX.X01), r"'tsne'"),
    case("k-gt-n-em_restarts", lambda: ae().em_restarts(FX.X[:3], 5, [0]), r"n_components = 5.*n_samples = 3"),
    case("1d-AutoencoderGMM.fit", lambda: aegmm().fit(FX.X01[:, 0]), r"1-D shape \(32,\)"),
    case("empty-AutoencoderGMM.fit", lambda: aegmm().fit(np.empty((0, 6))), r"\(0, 6\)"),
    case("inf-AutoencoderGMM.fit", lambda: aegmm().fit(np.vstack([FX.X01, [[np.inf] * 6]])), r"6 NaN or infinite"),
    case("k-gt-n-AutoencoderGMM.fit", lambda: aegmm(n_components=50).fit(FX.X01), r"n_components = 50.*n_samples = 32"),
    case("width-AutoencoderGMM-latent_dim", lambda: aegmm(latent_dim=10).fit(FX.X01),
         r"n_features = 6.*latent_dim = 10"),
    case("unknown-parameter-AutoencoderGMM.set_params", lambda: ae().AutoencoderGMM().set_params(latentdim=3),
         r"'latentdim'"),
    case("negative-AutoencoderGMM-learning_rate", lambda: aegmm(learning_rate=-1.0).fit(FX.X01), r"-1\.0"),
    case("range-AutoencoderGMM-sigmoid-on-negative-data",
         lambda: aegmm(output_activation="sigmoid").fit(FX.X01 - 1.0), r"\[-0\.99"),
    # --- vae (Keras) --------------------------------------------------------
    case("width-gaussian_kl", lambda: vae().gaussian_kl(np.zeros((3, 2)), np.zeros((3, 3))), r"\(3, 2\).*\(3, 3\)"),
    case("nan-gaussian_kl", lambda: vae().gaussian_kl(np.full((3, 2), np.nan), np.zeros((3, 2))), r"6 NaN"),
    case("negative-beta-fit_vae", lambda: vae().fit_vae(FX.X01, beta=-1.0, epochs=1), r"-1\.0"),
    case("negative-beta-fit_vae-nan", lambda: vae().fit_vae(FX.X01, beta=float("nan"), epochs=1), r"nan"),
    case("negative-beta-VAE", lambda: vae().VAE(vae().build_encoder(6, 2), vae().build_decoder(2, 6), beta=-1.0),
         r"-1\.0"),
    case("negative-beta-VAEEstimator", lambda: automl.VAEEstimator(beta=-1.0, epochs=1).fit(FX.X01), r"-1\.0"),
    case("unknown-parameter-fit_vae-likelihood", lambda: vae().fit_vae(FX.X01, likelihood="poisson", epochs=1),
         r"'poisson'"),
    case("unknown-parameter-VAEEstimator.set_params", lambda: automl.VAEEstimator().set_params(betta=2.0),
         r"'betta'"),
    case("nan-fit_vae", lambda: vae().fit_vae(np.full((4, 3), np.nan), epochs=1), r"12 NaN"),
    case("1d-fit_vae", lambda: vae().fit_vae(FX.X01[:, 0], epochs=1), r"1-D shape \(32,\)"),
    case("range-fit_vae-bernoulli-outside-unit-interval",
         lambda: vae().fit_vae(FX.X01 * 4 - 2, likelihood="bernoulli", epochs=1), r"\[-\d"),
    case("width-gaussian_nll", lambda: vae().gaussian_nll(FX.X01, FX.X01[:3], np.zeros((3, 6))), r"\(3,\s*6\)"),
    case("range-bernoulli_entropy", lambda: vae().bernoulli_entropy(FX.X01 * 3), r"\[0\.\d+, 2\.\d+\]"),
    case("unknown-parameter-build_decoder-likelihood", lambda: vae().build_decoder(2, 6, likelihood="poisson"),
         r"'poisson'"),
    case("empty-build_decoder-latent_dim", lambda: vae().build_decoder(0, 6), r"got 0"),
    case("empty-build_encoder-hidden_units", lambda: vae().build_encoder(6, 2, hidden_units=(0,)), r"got 0"),
    case("width-vae.encode", lambda: vae().encode(FX.vae_model, np.ones((3, 5))), r"5 features.*= 6"),
    case("width-vae.decode", lambda: vae().decode(FX.vae_model, np.ones((3, 5))), r"5 columns.*= 2"),
    case("width-vae.elbo", lambda: vae().elbo(FX.vae_model, np.ones((3, 5))), r"5 features.*= 6"),
    case("empty-vae.sample", lambda: vae().sample(FX.vae_model, 0), r"got 0"),
    case("dtype-vae.encode-not-a-vae", lambda: vae().encode(FX.autoencoder[2], FX.X01), r"Functional"),
    case("simplex-bernoulli_nll-probabilities", lambda: vae().bernoulli_nll(FX.X01, np.full(FX.X01.shape, 1.5)),
         r"1\.5"),
]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("call, error, names", CASES)
def test_bad_input_raises_a_clear_error_naming_expected_and_actual(call, error, names):
    with pytest.raises(error) as raised:
        call()
    message = str(raised.value)
    assert re.search(names, message), f"message does not name the actual input ({names!r}): {message}"
    assert SAYS_EXPECTED.search(message), f"message does not say what was expected: {message}"


def test_the_table_has_every_kind_of_bad_input_and_at_least_30_cases():
    ids = [param.id for param in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    kinds = {case_id.split("-")[0] for case_id in ids} | {
        kind for kind in REQUIRED_KINDS for case_id in ids if case_id.startswith(kind + "-")
    }
    assert REQUIRED_KINDS <= kinds, f"missing kinds: {sorted(REQUIRED_KINDS - kinds)}"
    assert len(ids) >= 30
