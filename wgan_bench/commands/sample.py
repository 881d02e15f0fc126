"""`wgan-bench sample`: N samples from a stored run's generator, as PNG files or a CSV.

The files are ready for external tools (torch-fidelity, clean-fid take a folder of PNGs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import UserError, problem
from ..nets.export import CONFIG, WEIGHTS, latent, load_generator
from ..store.atomic import atomic_write_bytes

BATCH = 500  # samples per generator call: bounded memory for any N


def generator_folder(store_dir: str, run_id: str) -> Path:
    """The run's artifact folder, with a message that says what to do when it is not there."""
    store = Path(store_dir)
    if not (store / "runs.csv").is_file():
        inside = sorted(p.parent.relative_to(store) for p in store.glob("*/*/runs.csv")) if store.is_dir() else []
        hint = f"; stores under it: {', '.join(map(str, inside[:6]))}" if inside else ""
        raise UserError(problem(store_dir, None, "not a result store (a folder results/<experiment>/<profile> "
                                                 f"with runs.csv){hint}"))
    folder = store / "artifacts" / run_id
    if not (folder / WEIGHTS).is_file() or not (folder / CONFIG).is_file():
        known = sorted(p.parent.name for p in (store / "artifacts").glob(f"*/{WEIGHTS}"))
        why = ("runs stored with a generator here: " + ", ".join(known)) if known else \
            "no run here has one (stored before generators were kept, `save_generator: false`, or a fixed generator)"
        raise UserError(problem(store_dir, run_id, f"no stored generator for this run; {why}"))
    return folder


def to_png_bytes(image: np.ndarray) -> bytes:
    """One generated image in [−1, 1] (H, W, C) as 8-bit PNG bytes."""
    import io

    from PIL import Image

    pixels = np.clip(np.rint((image + 1.0) * 127.5), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels).save(buf, format="PNG")
    return buf.getvalue()


def write_samples(store_dir: str, run_id: str, n: int, out: str, seed: int = 0) -> list[Path]:
    """Draw `n` samples with noise from `seed` and write them under `out`; returns what was written."""
    if n < 1:
        raise UserError(problem("-n", str(n), "the number of samples must be at least 1"))
    folder = generator_folder(store_dir, run_id)
    from ..tf_setup import configure_tensorflow

    configure_tensorflow()
    generator, cfg = load_generator(folder)
    z = latent(n, cfg.generator.z_dim, seed)
    samples = np.concatenate([np.asarray(generator(z[i:i + BATCH], training=False)) for i in range(0, n, BATCH)])
    out_dir = Path(out)
    if samples.ndim == 4:  # images
        width = len(str(n - 1))
        paths = [out_dir / f"{run_id}-{i:0{width}d}.png" for i in range(n)]
        for path, image in zip(paths, samples, strict=True):
            atomic_write_bytes(path, to_png_bytes(image))
        return paths
    import pandas as pd

    path = out_dir / f"{run_id}.csv"
    frame = pd.DataFrame(samples, columns=[f"x{i}" for i in range(samples.shape[1])])
    atomic_write_bytes(path, frame.to_csv(index=False).encode())
    return [path]
