"""Process-wide TensorFlow settings: the persistent XLA cache."""

from pathlib import Path

from .conftest import XLA_CACHE


def test_xla_cache_folder_rules(tmp_path, monkeypatch):
    from wgan_bench.runner.tf_setup import XLA_CACHE_ENV, xla_cache_dir

    monkeypatch.delenv(XLA_CACHE_ENV)
    assert xla_cache_dir() is None  # opt-in
    monkeypatch.setenv(XLA_CACHE_ENV, "off")
    assert xla_cache_dir() is None
    monkeypatch.setenv(XLA_CACHE_ENV, str(tmp_path / "mine"))
    assert xla_cache_dir() == str(tmp_path / "mine") and (tmp_path / "mine").is_dir()
    monkeypatch.setenv(XLA_CACHE_ENV, "auto")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    default = Path(xla_cache_dir())
    assert default.parent == tmp_path / "xdg" / "wgan-bench" / "xla"
    assert default.name.startswith("tf2.")  # per TensorFlow version (and CPU)


def test_xla_compiles_land_in_the_persistent_cache(tf_ready):
    tf = tf_ready
    before = set(Path(XLA_CACHE).iterdir())

    @tf.function(jit_compile=True)
    def f(x):
        return tf.reduce_sum(tf.sin(x) * 3.25)

    f(tf.ones((7, 13)))
    assert any(p.name.startswith("xla_compile_cache") for p in set(Path(XLA_CACHE).iterdir()) - before)
