"""Inception score, FID and KID with the network the papers used, loaded from a file, never downloaded.

The network is the 2015-12-05 Inception graph as a frozen GraphDef (the one TF-GAN's
`classifier_metrics` and the original Inception-score code load, and torch-fidelity ports):
input `Mul:0`, images (N, 299, 299, 3) in [−1, 1]; outputs `pool_3:0` (N, 1, 1, 2048), the
features of FID and KID, and `logits:0`, whose softmax gives the Inception score. The user
downloads it once (`DOWNLOAD_HINT`) and names it with `--inception PATH` or `$WGAN_BENCH_INCEPTION`.

Images go through the network in batches and only the features and logits are kept, so 50 000
samples fit in memory (50 000 × 2048 float32 features: 400 MB). The score and distances are the
formulas wgan-bench already cross-checks against TF-GAN (`metrics.classifier`): IS with the
papers' 10 splits, FID of the unbiased covariances, unbiased KID with the cubic kernel.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import numpy as np

from ..errors import UserError, problem
from .classifier import frechet_distance, inception_score, kernel_distance

INCEPTION_ENV = "WGAN_BENCH_INCEPTION"
INPUT, FEATURES, LOGITS = "Mul:0", "pool_3:0", "logits:0"
SIZE = 299
DOWNLOAD_HINT = ("download http://download.tensorflow.org/models/frozen_inception_v1_2015_12_05.tar.gz "
                 "once and extract inceptionv1_for_inception_score.pb")
BATCH = 100


def inception_path(given: str | None = None) -> Path:
    """The graph file named by `given` or `$WGAN_BENCH_INCEPTION`; a clear error if there is none."""
    name = given or os.environ.get(INCEPTION_ENV)
    field = "--inception" if given else INCEPTION_ENV
    if not name:
        raise UserError(problem(field, None, f"no Inception graph named: pass --inception PATH or set "
                                             f"{INCEPTION_ENV} ({DOWNLOAD_HINT})"))
    if not Path(name).is_file():
        raise UserError(problem(field, name, f"no such file ({DOWNLOAD_HINT})"))
    return Path(name)


STAND_IN_FEATURES, STAND_IN_CLASSES = 64, 10


def write_stand_in(path: str | Path, seed: int = 0) -> Path:
    """A small fixed network with the Inception graph's interface, for pipeline checks where the
    real file is absent (CI): a 23 x 23 average pool of `Mul:0` (13 x 13 x 3), a fixed random
    projection and ReLU to `pool_3:0` (N, 1, 1, 64), a fixed random linear map to `logits:0`
    (N, 10). Its scores are distances in its own feature space, not the papers' numbers."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    w1 = (rng.standard_normal((507, STAND_IN_FEATURES)) / np.sqrt(507 / 8)).astype(np.float32)
    w2 = rng.standard_normal((STAND_IN_FEATURES, STAND_IN_CLASSES)).astype(np.float32)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, SIZE, SIZE, 3], name=INPUT.split(":")[0])
        pooled = tf.reshape(tf.nn.avg_pool2d(x, 23, 23, "VALID"), [-1, 507])
        features = tf.nn.relu(tf.matmul(pooled, tf.constant(w1)))
        tf.reshape(features, [-1, 1, 1, STAND_IN_FEATURES], name=FEATURES.split(":")[0])
        tf.matmul(features, tf.constant(w2), name=LOGITS.split(":")[0])
    Path(path).write_bytes(graph.as_graph_def().SerializeToString())
    return Path(path)


def network_path(network: str) -> Path:
    """The graph file of `record.inception_network`: the user's file, or the stand-in written to a
    temporary folder."""
    if network == "file":
        return inception_path()
    import tempfile

    return write_stand_in(Path(tempfile.mkdtemp(prefix="wgan-bench-inception-")) / "stand_in.pb")


class InceptionNet:
    """The frozen graph as a callable: images in [−1, 1] of any size → (features, logits)."""

    def __init__(self, path: str | Path):
        import tensorflow as tf

        graph_def = tf.compat.v1.GraphDef()
        try:
            graph_def.ParseFromString(Path(path).read_bytes())
        except Exception as exc:  # protobuf's DecodeError and friends
            raise UserError(problem(str(path), None, f"not a frozen TensorFlow GraphDef ({exc})")) from None
        imported = tf.compat.v1.wrap_function(lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
        try:
            self._fn = imported.prune(feeds=INPUT, fetches=[FEATURES, LOGITS])
        except (KeyError, ValueError) as exc:
            raise UserError(problem(str(path), None, f"the graph lacks {INPUT}, {FEATURES} or {LOGITS} ({exc})")) \
                from None

    def __call__(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import tensorflow as tf

        x = tf.convert_to_tensor(np.asarray(images, np.float32))
        if x.shape[-1] == 1:  # grey images: the same value in the three channels
            x = tf.repeat(x, 3, axis=-1)
        x = tf.image.resize(x, (SIZE, SIZE), method="bilinear")
        features, logits = self._fn(x)
        return np.asarray(features).reshape(len(images), -1), np.asarray(logits)


def network_outputs(net, batches: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Features and logits of every image in `batches`, one batch in memory at a time."""
    feats, logits = [], []
    for batch in batches:
        for i in range(0, len(batch), BATCH):
            f, lg = net(batch[i:i + BATCH])
            feats.append(f.astype(np.float32))
            logits.append(lg.astype(np.float32))
    return np.concatenate(feats), np.concatenate(logits)


def split_inception_score(logits: np.ndarray, splits: int = 10) -> tuple[float, float]:
    """Mean and standard deviation over `splits` equal parts of exp E KL(p(y|x) ‖ p(y)), as the
    papers report it (Salimans et al. 2016's code; WGAN-GP Table 3)."""
    z = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    scores = [inception_score(part) for part in np.array_split(probs, splits)]
    return float(np.mean(scores)), float(np.std(scores))


def inception_metrics(net, fake_batches: Iterable[np.ndarray], real_features: np.ndarray | None = None,
                      splits: int = 10) -> dict[str, float]:
    """IS (mean, std over splits) of the generated images and, given the real data's features,
    FID and KID against them."""
    feats, logits = network_outputs(net, fake_batches)
    is_mean, is_std = split_inception_score(logits, splits)
    out = {"inception_score": is_mean, "inception_score_std": is_std}
    if real_features is not None:
        out["fid"] = frechet_distance(real_features, feats)
        out["kid"] = kernel_distance(real_features, feats)
    return out
