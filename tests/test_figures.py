"""Figure helpers: log axes that show decades, reference lines on metric curves."""

import numpy as np
import pytest


def test_log_axes_show_decades_and_reference_lines_validate():
    import matplotlib.pyplot as plt
    from pydantic import ValidationError

    from wgan_bench.config.schema import ReferenceLine
    from wgan_bench.report.figures import _log_axis

    fig, ax = plt.subplots()
    _log_axis(ax, np.array([1e-5, 3e-2, 0.3]))
    assert ax.get_yscale() == "log"  # positive data: plain log, every decade visible
    _log_axis(ax, np.array([-0.02, 0.0, 1e-4, 1e-3, 0.3, 2.0]))
    assert ax.get_yscale() == "symlog"
    assert ax.yaxis.get_transform().linthresh == pytest.approx(np.percentile([0.02, 1e-4, 1e-3, 0.3, 2.0], 5))
    plt.close(fig)
    assert ReferenceLine(label="log 2", value=0.693).value == 0.693
    with pytest.raises(ValidationError, match="exactly one of value and metric"):
        ReferenceLine(label="x", value=1.0, metric="digit_is")


def test_metric_curve_against_another_metric_puts_its_median_on_the_x_axis():
    import matplotlib.pyplot as plt
    import pandas as pd

    from wgan_bench.config.schema import MetricCurveFigure
    from wgan_bench.report.figures import metric_curve

    runs = pd.DataFrame({"run_id": ["a-s0", "a-s1"], "variant": "a", "seed": [0, 1], "status": "ok"})
    rows = [{"run_id": f"a-s{s}", "variant": "a", "seed": s, "step": step, "metric": m, "value": v, "layer": pd.NA}
            for s in (0, 1) for step in (0, 10, 20)
            for m, v in (("score", step / 10 + s), ("train_seconds", 3.0 * step + 2 * s))]
    store = type("Store", (), {"runs": lambda self: runs,
                               "history": lambda self: pd.DataFrame(rows).astype({"layer": "Int64"})})()
    fig = metric_curve(MetricCurveFigure(kind="metric_curve", metric="score", x="train_seconds"), store)
    (line,) = fig.axes[0].get_lines()
    assert list(line.get_xdata()) == [1.0, 31.0, 61.0] and list(line.get_ydata()) == [0.5, 1.5, 2.5]
    assert fig.axes[0].get_xlabel() == "train_seconds"
    plt.close(fig)


def test_sweep_plots_each_value_of_the_parameter_at_its_median_over_seeds():
    import matplotlib.pyplot as plt
    import pandas as pd

    from wgan_bench.config.schema import SweepFigure
    from wgan_bench.report.figures import sweep

    runs = pd.DataFrame([{"run_id": f"{v}-s{s}", "variant": v, "seed": s, "status": "ok", "config.method.clip": c}
                         for v, c in (("small", 0.01), ("large", 1.0)) for s in (0, 1, 2)]
                        + [{"run_id": "gp-s0", "variant": "gp", "seed": 0, "status": "ok", "config.method.clip": None}])
    rows = [{"run_id": r.run_id, "variant": r.variant, "seed": r.seed, "step": step, "metric": "w1_exact",
             "value": (10 if r.variant == "large" else 1) * (r.seed + 1) + step, "layer": pd.NA}
            for r in runs.itertuples() for step in (0, 100)]
    store = type("Store", (), {"runs": lambda self: runs,
                               "history": lambda self: pd.DataFrame(rows).astype({"layer": "Int64"})})()
    fig = sweep(SweepFigure(kind="sweep", param="method.clip", metrics=["w1_exact"]), store)
    (line,) = fig.axes[0].get_lines()  # the gp run has no clip: left out
    assert list(line.get_xdata()) == [0.01, 1.0] and list(line.get_ydata()) == [102.0, 120.0]  # final, median of seeds
    assert fig.axes[0].get_xscale() == "log"
    plt.close(fig)
