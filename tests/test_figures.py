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
