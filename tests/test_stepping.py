"""Stateful stepping: one observation per call equals the batched result.

Engine (``nn._stepper.NetworkStepper``): every cell, pooling, depth and a random initial
state, against ``network.predict`` on every prefix. Estimators (``Stepper``): the
classifier's ``predict_proba`` of every prefix, the forecaster's ``predict`` of every
rolling window (its defaults) and of the growing window, ``return_sequences`` under
every window normalisation; after reload, clone and refit.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone

from rnnforecast import RNNClassifier, RNNForecaster, load, make_windows, save
from rnnforecast.estimators import Stepper
from rnnforecast.nn._stepper import NetworkStepper
from rnnforecast.nn.initialization import init_params
from rnnforecast.nn.network import NetworkSpec, predict, state_shapes

from _engine_helpers import CELL_VARIANTS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
TOL = 1e-12
CELLS = ["lstm", "gru", "rnn", "jordan"]


# --------------------------------------------------------------------------- engine
@pytest.mark.parametrize("variant", sorted(CELL_VARIANTS))
@pytest.mark.parametrize("num_layers, return_sequences, pooling",
                         [(1, False, "last"), (2, False, "mean"), (2, False, "max"),
                          (2, True, "last")])
def test_network_stepper_equals_predict_on_every_prefix(variant, num_layers,
                                                        return_sequences, pooling):
    cell, nonlinearity = CELL_VARIANTS[variant]
    spec = NetworkSpec(cell, 3, 5, 2, num_layers=num_layers, nonlinearity=nonlinearity,
                       return_sequences=return_sequences, pooling=pooling)
    rng = np.random.default_rng(1)
    params = init_params(spec, rng, np.float64)
    for v in params.values():
        v += 0.1 * rng.standard_normal(v.shape)
    X = rng.standard_normal((1, 9, 3))
    state0 = tuple(0.5 * rng.standard_normal(s) for s in state_shapes(spec, 1))
    stepper = NetworkStepper(params, spec, state0)
    for t in range(1, 10):
        out = stepper.step(X[0, t - 1])
        ref, ref_state = predict(params, spec, X[:, :t], state0)
        ref = ref[0, -1] if return_sequences else ref[0]
        np.testing.assert_allclose(out, ref, rtol=0, atol=TOL)
        for s, r in zip(stepper.state, ref_state):
            np.testing.assert_allclose(s, r, rtol=0, atol=TOL)
    assert stepper.n_steps_ == 9
    stepper.reset(state0)                   # a second sequence from the same state
    np.testing.assert_allclose(stepper.step(X[0, 0]), predict(params, spec, X[:, :1],
                                                              state0)[0].reshape(-1, 2)[0],
                               rtol=0, atol=TOL)


def test_network_stepper_decodes_from_an_encoder_state():
    """A decoder (many-to-many) started from another network's final state: stepping
    it equals the batched decoder call with that state0 (greedy decoding's loop)."""
    rng = np.random.default_rng(2)
    encoder = NetworkSpec("gru", 2, 6, 1)
    decoder = NetworkSpec("gru", 1, 6, 1, return_sequences=True)
    p_enc, p_dec = init_params(encoder, rng, np.float64), init_params(decoder, rng,
                                                                      np.float64)
    X, U = rng.standard_normal((1, 7, 2)), rng.standard_normal((1, 4, 1))
    _, state = predict(p_enc, encoder, X)
    stepper = NetworkStepper(p_dec, decoder, state)
    outs = np.array([stepper.step(u) for u in U[0]])
    np.testing.assert_allclose(outs, predict(p_dec, decoder, U, state)[0][0], rtol=0,
                               atol=TOL)


def test_network_stepper_refusals():
    spec = NetworkSpec("gru", 1, 3, 1, bidirectional=True)
    params = init_params(spec, np.random.default_rng(0), np.float64)
    with pytest.raises(ValueError, match="unidirectional.*reverse direction"):
        NetworkStepper(params, spec)
    spec = NetworkSpec("lstm", 1, 3, 1)
    params = init_params(spec, np.random.default_rng(0), np.float64)
    with pytest.raises(ValueError, match=r"state0 must be a tuple of 2 array\(s\)"):
        NetworkStepper(params, spec, (np.zeros((1, 1, 3)),))
    with pytest.raises(ValueError, match="at least one step"):
        NetworkStepper(params, spec).output()
    with pytest.raises(ValueError, match="no single-step path for cell='cfc'"):
        NetworkStepper({}, NetworkSpec("cfc", 1, 3, 1))


# --------------------------------------------------------------------------- estimators
@pytest.fixture(scope="module")
def series():
    t = np.arange(160)
    return np.sin(t / 6) + 0.01 * t + 5.0


@pytest.fixture(scope="module")
def sequences():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 11, 2)) + np.array([3.0, -1.0])
    return X, (X[:, :, 0].sum(axis=1) > 33).astype(int)


@pytest.mark.parametrize("cell", CELLS)
def test_forecaster_defaults_step_the_rolling_window(series, cell):
    """Defaults (window_normalization="last", linear skip): every step returns predict
    of the window of the last n_timesteps_in_ observations, NaN before."""
    X, y = make_windows(series, 10, 2)
    model = RNNForecaster(cell=cell, hidden_size=5, max_iter=2, random_state=0).fit(X, y)
    assert model.linear_skip_ and model.window_normalization == "last"
    stepper = model.stepper()
    assert (stepper.window, stepper.carries_state) == ("rolling", False)
    out = stepper.step_many(series[:50])
    assert out.shape == (50, 2) and np.isnan(out[:9]).all()
    for i in range(41):                     # bit for bit against predict of one window
        np.testing.assert_array_equal(out[9 + i], model.predict(X[i:i + 1])[0])
    np.testing.assert_allclose(out[9:], model.predict(X[:41]), rtol=0, atol=TOL)


def test_forecaster_growing_window_needs_steady_inputs(series):
    X, y = make_windows(series, 10, 2)
    model = RNNForecaster(hidden_size=4, max_iter=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="(?s)window='growing'.*window_normalization=None"
                                         ".*Got window_normalization='last'"):
        model.stepper(window="growing")     # "last": every step's input moves


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("linear_skip", [False, "auto"])
def test_forecaster_growing_window_carries_the_state(series, cell, linear_skip):
    X, y = make_windows(series, 10, 2)
    model = RNNForecaster(cell=cell, hidden_size=5, max_iter=2, window_normalization=None,
                          linear_skip=linear_skip, random_state=0).fit(X, y)
    stepper = model.stepper(window="growing")
    assert stepper.carries_state
    out = stepper.step_many(series[:25])
    for t in range(1, 26):                  # everything since reset, as one window
        prefix = series[None, :t, None]
        if model.linear_skip_ and t < 10:   # the skip reads the last 10 values
            assert np.isnan(out[t - 1]).all()
            continue
        np.testing.assert_allclose(out[t - 1], model._predict_windows(prefix)[0], rtol=0,
                                   atol=TOL)
    np.testing.assert_allclose(out[9], model.predict(X[:1])[0], rtol=0, atol=TOL)


@pytest.mark.parametrize("normalization", ["last", "mean", None])
@pytest.mark.parametrize("cell", ["lstm", "jordan"])
def test_forecaster_sequences_carry_the_state(series, normalization, cell):
    data = np.column_stack([series, np.cos(np.arange(160) / 5)])
    windows, _ = make_windows(data, 13)
    X, Y = windows[:, :12], windows[:, 1:, 0]   # one step ahead at every step
    model = RNNForecaster(cell=cell, hidden_size=5, max_iter=2, return_sequences=True,
                          window_normalization=normalization, random_state=0).fit(X, Y)
    stepper = model.stepper()
    assert (stepper.window, stepper.carries_state) == ("growing", True)
    for i in (0, 30):
        stepper.reset()
        out = stepper.step_many(X[i])
        assert out.shape == (12,)
        np.testing.assert_allclose(out, model.predict(X[i:i + 1])[0], rtol=0, atol=TOL)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_classifier_steps_equal_predict_proba_of_every_prefix(sequences, cell, pooling):
    X, y = sequences
    model = RNNClassifier(cell=cell, hidden_size=5, max_iter=2, pooling=pooling,
                          bidirectional=False, random_state=0).fit(X, y)
    stepper = model.stepper()
    assert stepper.carries_state
    out = stepper.step_many(X[3])
    assert out.shape == (11, 2)
    for t in range(1, 12):
        np.testing.assert_allclose(out[t - 1], model._proba_checked(X[3:4, :t])[0],
                                   rtol=0, atol=TOL)
    np.testing.assert_allclose(out[-1], model.predict_proba(X[3:4])[0], rtol=0, atol=TOL)


@pytest.mark.parametrize("options", [dict(), dict(window_normalization="zscore",
                                                   bidirectional=False)],
                         ids=["defaults", "zscore"])
def test_classifier_recomputes_what_it_cannot_carry(sequences, options):
    """Both directions (the default) or per-sequence z-scores: each step runs the
    network over the prefix, bit for bit as predict_proba does."""
    X, y = sequences
    model = RNNClassifier(hidden_size=5, max_iter=2, random_state=0, **options).fit(X, y)
    stepper = model.stepper()
    assert not stepper.carries_state
    out = stepper.step_many(X[5])
    np.testing.assert_array_equal(out[-1], model.predict_proba(X[5:6])[0])


def test_classifier_switches_to_block_means_past_max_timesteps(sequences):
    X, y = sequences
    model = RNNClassifier(hidden_size=4, max_iter=1, bidirectional=False, max_timesteps=6,
                          random_state=0).fit(X, y)
    stepper = model.stepper()
    out = stepper.step_many(X[0])
    assert not stepper.carries_state        # from step 7 on: block means of 2 steps
    np.testing.assert_allclose(out[5], model._proba_checked(X[:1, :6])[0], rtol=0, atol=TOL)
    np.testing.assert_array_equal(out[-1], model.predict_proba(X[:1])[0])


def test_classifier_sequences(sequences):
    X, _ = sequences
    labels = (X[:, :, 0] > 3).astype(int)
    model = RNNClassifier(cell="lstm", hidden_size=4, max_iter=2, return_sequences=True,
                          random_state=0).fit(X, labels)
    stepper = model.stepper()
    assert stepper.carries_state
    np.testing.assert_allclose(stepper.step_many(X[2]), model.predict_proba(X[2:3])[0],
                               rtol=0, atol=TOL)


def test_stepper_survives_save_load_and_clone(series, tmp_path):
    X, y = make_windows(series, 8)
    model = RNNForecaster(hidden_size=4, max_iter=2, window_normalization=None,
                          random_state=0).fit(X, y.ravel())
    save(model, tmp_path / "m.npz")
    loaded = load(tmp_path / "m.npz")
    a = model.stepper("growing").step_many(X[4])
    b = loaded.stepper("growing").step_many(X[4])
    np.testing.assert_array_equal(a, b)
    assert a.shape == (8,)                  # a float per step for a 1-D y
    refit = clone(model).fit(X, y.ravel())
    np.testing.assert_array_equal(refit.stepper("growing").step_many(X[4]), a)


def test_stepper_follows_refits_only_after_reset(series):
    X, y = make_windows(series, 8)
    model = RNNForecaster(hidden_size=4, max_iter=1, random_state=0).fit(X, y.ravel())
    stepper = model.stepper()
    stepper.step(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.partial_fit(X, y.ravel())
    with pytest.raises(ValueError, match="weights changed.*Call reset"):
        stepper.step(1.0)
    out = stepper.reset().step_many(X[0])
    np.testing.assert_array_equal(out[-1], model.predict(X[:1])[0])


def test_a_reset_reads_the_refitted_estimator_s_shape(series):
    """After a refit on windows of two features, a reset stepper asks for two values
    per step (one value is not spread over both); a rolling window refuses a refit
    with one output per step."""
    X, y = make_windows(series, 8, 2)
    model = RNNForecaster(hidden_size=4, max_iter=1, window_normalization=None,
                          linear_skip=False, random_state=0).fit(X, y)
    growing, rolling = model.stepper("growing"), model.stepper()
    data = np.column_stack([series, np.cos(np.arange(160) / 5)])
    X2, y2 = make_windows(data, 8, 2)
    model.fit(X2, y2)
    growing.reset()
    with pytest.raises(ValueError, match=r"x must hold 2 feature value\(s\)"):
        growing.step(1.0)
    out = growing.step_many(data[:8])
    np.testing.assert_allclose(out[-1], model.predict(X2[:1])[0], rtol=0, atol=TOL)
    windows, _ = make_windows(series, 9)
    model.set_params(return_sequences=True).fit(windows[:, :8], windows[:, 1:, 0])
    with pytest.raises(ValueError, match="'rolling' only for a many-to-one RNNForecaster"):
        rolling.reset()


def test_stepper_rejects_bad_input(series, sequences):
    X, y = make_windows(series, 8)
    model = RNNForecaster(hidden_size=4, max_iter=1, random_state=0).fit(X, y.ravel())
    stepper = model.stepper()
    with pytest.raises(ValueError, match=r"x must hold 1 feature value\(s\).*\(2,\)"):
        stepper.step([1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        stepper.step(np.nan)
    assert stepper.n_steps_ == 0            # a refused step reads nothing
    with pytest.raises(ValueError, match=r"X must hold at least one time step.*\(0,\)"):
        stepper.step_many([])
    with pytest.raises(ValueError, match="'window' parameter of Stepper must be one of"):
        Stepper(model, window="sliding")
    with pytest.raises(ValueError, match="must be a fitted RNNForecaster or RNNClassifier"):
        Stepper("model")
    clf = RNNClassifier(hidden_size=3, max_iter=1, random_state=0).fit(*sequences)
    with pytest.raises(ValueError, match="'rolling' only for a many-to-one RNNForecaster"):
        clf.stepper(window="rolling")
    with pytest.raises(ValueError, match="x must hold 2 feature"):
        clf.stepper().step(1.0)


def test_input_is_not_modified(series):
    X, y = make_windows(series, 8)
    model = RNNForecaster(hidden_size=4, max_iter=1, random_state=0).fit(X, y.ravel())
    values = series[:20].copy()
    model.stepper().step_many(values)
    np.testing.assert_array_equal(values, series[:20])


def test_multivariate_rolling_window(series):
    data = np.column_stack([series, np.cos(np.arange(160) / 5), np.arange(160.0)])
    X, y = make_windows(data, 9, 2)
    model = RNNForecaster(cell="gru", hidden_size=4, max_iter=1, random_state=0).fit(X, y)
    out = model.stepper().step_many(data[:30])
    np.testing.assert_allclose(out[8:], model.predict(X[:22]), rtol=0, atol=TOL)


@pytest.mark.parametrize("return_sequences", [True, False])
def test_classifier_reading_token_ids(return_sequences):
    """One token id per step through the embedding (the character model's sampler)."""
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 7, (30, 12))
    labels = np.roll(ids, -1, axis=1) if return_sequences else ids[:, 0] % 2
    model = RNNClassifier(cell="lstm", hidden_size=6, embedding_dim=3, max_iter=2,
                          bidirectional=False, return_sequences=return_sequences,
                          random_state=0).fit(ids, labels)
    stepper = model.stepper()
    assert stepper.carries_state
    out = stepper.step_many(ids[4])
    expected = model.predict_proba(ids[4:5])[0]
    np.testing.assert_allclose(out if return_sequences else out[-1], expected, rtol=0,
                               atol=TOL)
    with pytest.raises(ValueError, match=r"x holds token ids outside the vocabulary \[0, 6\]"):
        stepper.step(9)
    with pytest.raises(ValueError, match="x must be a whole token id.*Got 1.5"):
        stepper.step(1.5)


def test_weights_loaded_without_a_fit(series):
    """load_state_dict on a new forecaster: raw windows of any length, so no rolling
    window; the growing one carries the state and equals predict of the prefix."""
    X, y = make_windows(series, 8)
    fitted = RNNForecaster(hidden_size=4, max_iter=1, linear_skip=False,
                           random_state=0).fit(X, y.ravel())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = RNNForecaster(hidden_size=4).load_state_dict(fitted.state_dict())
    with pytest.raises(ValueError, match="needs the window length.*load_state_dict"):
        model.stepper()
    stepper = model.stepper(window="growing")
    assert stepper.carries_state
    out = stepper.step_many(series[:11])
    np.testing.assert_allclose(out[-1], model.predict(series[None, :11])[0], rtol=0,
                               atol=TOL)


def test_quantile_forecaster_steps_its_median(series):
    """A quantile model steps its median, as its predict: every window, the carried
    growing window (with its linear skip), and one output per step."""
    X, y = make_windows(series, 8, 2)
    model = RNNForecaster(hidden_size=4, max_iter=1, loss="quantile", window_normalization=None,
                          random_state=0).fit(X, y)
    assert model.linear_skip_
    out = model.stepper().step_many(series[:12])
    np.testing.assert_array_equal(out[7:], np.stack([model.predict(X[i:i + 1])[0]
                                                     for i in range(5)]))
    growing = model.stepper(window="growing")
    assert growing.carries_state
    out = growing.step_many(series[:12])
    assert np.isnan(out[:7]).all()          # the skip reads the last 8 values
    for t in range(8, 13):
        np.testing.assert_allclose(out[t - 1], model._predict_windows(series[None, :t, None])[0],
                                   rtol=0, atol=TOL)
    np.testing.assert_allclose(out[7], model.predict(X[:1])[0], rtol=0, atol=TOL)
    windows, _ = make_windows(series, 9)
    for normalization in ("last", "mean"):
        sequences = RNNForecaster(hidden_size=3, max_iter=1, loss="quantile",
                                  return_sequences=True, window_normalization=normalization,
                                  random_state=0).fit(windows[:, :8], windows[:, 1:, 0])
        stepper = sequences.stepper()
        assert stepper.carries_state
        out = stepper.step_many(windows[5, :8])
        assert out.shape == (8,)
        np.testing.assert_allclose(out, sequences.predict(windows[5:6, :8])[0], rtol=0,
                                   atol=TOL)


def test_encoder_decoder_is_refused_with_advice():
    from rnnforecast.estimators import RNNSeq2Seq

    rng = np.random.default_rng(0)
    model = RNNSeq2Seq(hidden_size=3, max_iter=1, random_state=0).fit(
        rng.standard_normal((12, 5, 1)), rng.integers(0, 3, (12, 2)))
    with pytest.raises(ValueError, match="encoder-decoder: its predict already runs the "
                                         "decoder one step at a time"):
        Stepper(model)
