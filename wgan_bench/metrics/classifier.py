"""Sample quality scored by a small digit classifier trained here (PAPER_CLAIMS §f, §h CPU proxies).

Scores are comparable within wgan-bench only: they are not Inception scores or FIDs. From
class probabilities p(y|x): a "digit IS", classes covered and the class histogram's KL to
uniform; from the penultimate features: Fréchet and kernel distances (tensorflow-gan).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

N_CLASSES = 10
# The trained weights depend on TensorFlow's intra-op thread count (the order of the conv
# kernels' sums): training always with one thread keeps the classifier, and every metric scored
# with it, the same whether it was first needed in-process, in a --jobs worker or on a Ray node.
TRAIN_THREADS = 1
# Images per forward pass when scoring. The batch size changes the last bits of the outputs, so
# `predict_probs`, `features` and `ClassifierScorer` share it and agree bit for bit.
PREDICT_BATCH = 500


def build_classifier(input_shape, n_classes: int = N_CLASSES):
    """2 conv + dense: conv32 -> pool -> conv64 -> pool -> dense128 ("features") -> softmax.

    Dropout 0.5 on both sides of the features: held-out accuracy on 16x16 digits 98.1-98.3 %
    over seeds 0-2 (96-98.6 % without; 1437 training images overfit quickly).
    """
    import keras
    from keras import layers

    x = inputs = keras.Input(input_shape)
    for filters in (32, 64):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Dense(128, activation="relu", name="features")(layers.Dropout(0.5)(layers.Flatten()(x)))
    return keras.Model(inputs, layers.Dense(n_classes, activation="softmax", name="probs")(layers.Dropout(0.5)(x)))


def train_classifier(x_train, y_train, x_test, y_test, epochs: int = 12, seed: int = 0):
    """Train on the training split; returns (model, held-out accuracy). Resets Keras' global seeds."""
    import keras

    keras.utils.set_random_seed(seed)
    model = build_classifier(x_train.shape[1:])
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=0)
    accuracy = float(np.mean(predict_probs(model, x_test).argmax(1) == y_test))
    return model, accuracy


def save_classifier(model, info: dict, path: Path) -> None:
    """`path` (.keras) and `info` (accuracy, settings) beside it as .json; the JSON is written last,
    atomically, so its presence marks a complete cache entry."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Per-process temporary names: --jobs workers or Ray tasks may train the same classifier at
    # once (seeded, so whichever file lands last is the same model).
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.keras")
    model.save(tmp)
    os.replace(tmp, path)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.json.tmp")
    tmp.write_text(json.dumps(info, indent=2))
    os.replace(tmp, path.with_suffix(".json"))


def load_classifier(path: Path):
    """(model, info), or None when no complete cache entry is at `path`."""
    import keras

    path = Path(path)
    if not path.with_suffix(".json").is_file():
        return None
    return keras.saving.load_model(path), json.loads(path.with_suffix(".json").read_text())


def cached_classifier(path: Path, data, epochs: int = 12, seed: int = 0):
    """(model, held-out accuracy) for `data` (an ImageData), cached at `path`.

    Trained when absent or stale: the cache records a hash of the training split and the
    settings, so another data set of the same shape (MNIST vs Fashion-MNIST) never reuses it.
    """
    digest = hashlib.sha256(data.x_train.tobytes() + np.asarray(data.y_train, np.int64).tobytes())
    settings = {"input_shape": list(data.x_train.shape[1:]), "train_sha256": digest.hexdigest(),
                "epochs": epochs, "seed": seed, "threads": TRAIN_THREADS}
    cached = load_classifier(path)
    if cached is None or any(cached[1].get(k) != v for k, v in settings.items()):
        arrays = (data.x_train, data.y_train, data.x_test, data.y_test)
        if _intra_op_threads() == TRAIN_THREADS:
            _train_and_save(arrays, settings, path)
        else:
            _train_in_child(arrays, settings, path)
        cached = load_classifier(path)
    return cached[0], cached[1]["accuracy"]


def _intra_op_threads() -> int:
    import tensorflow as tf

    return tf.config.threading.get_intra_op_parallelism_threads()


def _train_and_save(arrays, settings: dict, path: Path) -> None:
    model, accuracy = train_classifier(*arrays, settings["epochs"], settings["seed"])
    save_classifier(model, {**settings, "accuracy": accuracy}, path)


def _train_in_child(arrays, settings: dict, path: Path) -> None:
    """Train in a fresh process with TRAIN_THREADS threads (this one has others)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    npz = path.with_name(f"{path.stem}.{os.getpid()}.data.npz")
    np.savez(npz, *arrays)
    try:
        proc = subprocess.run([sys.executable, "-m", __name__, str(npz), str(path), json.dumps(settings)],
                              capture_output=True, text=True, check=False)
    finally:
        npz.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise RuntimeError(f"training the digit classifier failed:\n{proc.stderr[-2000:]}")


def predict_probs(model, x, batch_size: int = PREDICT_BATCH) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0), np.float64)


def features(model, x, batch_size: int = PREDICT_BATCH) -> np.ndarray:
    """The penultimate ("features") layer's activations."""
    import keras

    extractor = keras.Model(model.inputs, model.get_layer("features").output)
    return np.asarray(extractor.predict(x, batch_size=batch_size, verbose=0), np.float64)


def _kl_rows(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL(p_i || q) for each row p_i, with 0·log(0/q) = 0."""
    ratio = np.where(p > 0, p / np.where(q > 0, q, 1.0), 1.0)
    return np.sum(p * np.log(ratio), axis=-1)


def inception_score(probs: np.ndarray) -> float:
    """exp E_x KL(p(y|x) || p(y)), p(y) the mean of the rows: 1 (no information) .. n_classes."""
    probs = np.asarray(probs, np.float64)
    return float(np.exp(np.mean(_kl_rows(probs, probs.mean(0)))))


def classes_covered(probs: np.ndarray, min_frac: float = 0.01, min_conf: float = 0.9) -> int:
    """Classes that at least `min_frac` of all samples are assigned to with max probability > min_conf."""
    probs = np.asarray(probs)
    confident = probs.max(1) > min_conf
    counts = np.bincount(probs.argmax(1)[confident], minlength=probs.shape[1])
    return int(np.sum(counts >= min_frac * len(probs)))


def class_reverse_kl(probs: np.ndarray) -> float:
    """KL(q || uniform) = log K - H(q), q the histogram of argmax classes over all samples.

    The histogram comes first, so an empty class contributes 0·log 0 = 0 and no epsilon is
    needed: 0 when every class is equally frequent, log K when all samples fall in one class.
    """
    probs = np.asarray(probs)
    k = probs.shape[1]
    q = np.bincount(probs.argmax(1), minlength=k) / len(probs)
    return float(_kl_rows(q, np.full(k, 1.0 / k)))


def frechet_distance(act1: np.ndarray, act2: np.ndarray) -> float:
    """‖μ1 - μ2‖² + Tr(Σ1 + Σ2 - 2(Σ1Σ2)^½) of the activations' means and unbiased covariances."""
    from ..compat import tfgan

    cm = tfgan.classifier_metrics()
    return float(cm.frechet_classifier_distance_from_activations(np.asarray(act1, np.float64),
                                                                 np.asarray(act2, np.float64)))


def kernel_distance(act1: np.ndarray, act2: np.ndarray, max_block_size: int = 1024) -> float:
    """Unbiased MMD² with the kernel (x·y/d + 1)³ (KID), averaged over blocks of <= max_block_size."""
    import tensorflow as tf

    from ..compat import tfgan

    cm = tfgan.classifier_metrics()
    act1, act2 = (tf.convert_to_tensor(a, tf.float64) for a in (act1, act2))  # needs tensors' .shape
    return float(cm.kernel_classifier_distance_from_activations(act1, act2, max_block_size=max_block_size))


class ClassifierScorer:
    """Scores samples against a fixed reference set (e.g. the held-out split) with `model`.

    One compiled pass gives a batch's probabilities and features (Keras' `predict` retraces a
    new feature extractor each call, ~0.6 s of a 0.8 s record on 2000 digits), and the
    reference's features are computed once. Values are those of `predict_probs` and `features`.
    """

    def __init__(self, model, reference: np.ndarray, batch_size: int = PREDICT_BATCH):
        import keras
        import tensorflow as tf

        both = keras.Model(model.inputs, [model.output, model.get_layer("features").output])
        spec = tf.TensorSpec([None, *model.input_shape[1:]], tf.float32)
        self._pass = tf.function(lambda x: both(x, training=False), input_signature=[spec], autograph=False)
        self.batch_size = batch_size
        self.reference_probs, self.reference_features = self.probs_and_features(reference)

    def probs_and_features(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, np.float32)
        parts = [self._pass(x[i:i + self.batch_size]) for i in range(0, len(x), self.batch_size)]
        return tuple(np.concatenate([np.asarray(p[k]) for p in parts]).astype(np.float64) for k in (0, 1))

    def __call__(self, samples: np.ndarray) -> dict[str, float]:
        """Every score of `samples` against the reference."""
        probs, fake_f = self.probs_and_features(samples)
        real_f = self.reference_features
        return {"digit_is": inception_score(probs), "classes_covered": classes_covered(probs),
                "class_reverse_kl": class_reverse_kl(probs), "classifier_fd": frechet_distance(real_f, fake_f),
                "classifier_kd": kernel_distance(real_f, fake_f)}


if __name__ == "__main__":  # _train_in_child's process: DATA.npz PATH SETTINGS_JSON
    from ..tf_setup import configure_tensorflow

    configure_tensorflow(TRAIN_THREADS)
    with np.load(sys.argv[1]) as loaded:
        _train_and_save([loaded[f"arr_{i}"] for i in range(4)], json.loads(sys.argv[3]), Path(sys.argv[2]))
