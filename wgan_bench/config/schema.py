"""The experiment YAML schema (DESIGN §3), validated strictly with pydantic.

Every model forbids unknown keys. Names of data sets, networks, methods, losses, diagnostics,
analyses, reducers, checks and figures come from the registries (`wgan_bench.registry`), so an
unknown name is reported with the allowed ones, and a tagged section (a method, a network, a
check, a figure) is validated by the model its `name` or `kind` picks.
This module must not import TensorFlow.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    field_validator,
    model_validator,
)

from ..registry import (
    ACTIVATIONS,
    AGGREGATES,
    ANALYSES,
    CHECKS,
    CRITICS,
    DATASETS,
    DIAGNOSTICS,
    FIGURES,
    GENERATORS,
    LOSSES,
    METHODS,
    NORMS,
    REDUCERS,
)

INITS = ("he_uniform", "glorot_uniform", "uniform_half_clip")
DatasetName = DATASETS.name_field()
Activation = ACTIVATIONS.name_field()
Norm = NORMS.name_field()
LossName = LOSSES.name_field()
DiagnosticName = DIAGNOSTICS.name_field()
AnalysisName = ANALYSES.name_field()
Reducer = REDUCERS.name_field()  # how a metric's history becomes one number per run (claims/select.py)
Aggregate = AGGREGATES.name_field()
CMP_OPS = ("<", "<=", ">", ">=")
OPS = (*CMP_OPS, "~=")  # ~= : within atol + rtol·|value| (threshold checks only)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- one run's configuration
class DatasetConfig(Strict):
    name: DatasetName
    std: float = Field(1.0, gt=0, description="gaussian_1d only: the real data is N(0, std²)")
    size: int | None = Field(None, ge=8, description="images: side in pixels, a power of two (default: "
                                                     "16 for digits, the data set's own otherwise)")
    root: str | None = Field(None, description="images: folder holding the files (default: keras' cache "
                                               "~/.keras/datasets; image_folder: required)")
    synthetic: int | None = Field(None, ge=60, description="cifar10 only: instead of the real files, this many "
                                  "synthetic images written in CIFAR-10's file format and read back "
                                  "(pipeline checks with no download; data/synthetic_cifar.py)")

    @model_validator(mode="after")
    def _image_fields(self):
        image = DATASETS.meta(self.name, "image")
        if not image and (self.size is not None or self.root is not None):
            raise ValueError(f"dataset.size and dataset.root are for image data sets "
                             f"({', '.join(DATASETS.where(image=True))})")
        if self.synthetic is not None and not DATASETS.meta(self.name, "synthetic"):
            raise ValueError(f"dataset.synthetic is for {', '.join(DATASETS.where(synthetic=True))} only")
        if self.synthetic is not None and self.root is not None:
            raise ValueError("dataset: give root (the real files) or synthetic, not both")
        if DATASETS.meta(self.name, "streamed") and self.root is None:
            raise ValueError(f"dataset.root: {self.name} needs the folder of images")
        if self.size is not None and self.size & (self.size - 1):
            raise ValueError(f"dataset.size ({self.size}) must be a power of two (8, 16, 32, 64, ...)")
        return self

    @property
    def image_size(self) -> int:
        return self.size or DATASETS.meta(self.name, "size")

    @property
    def is_image(self) -> bool:
        return bool(DATASETS.meta(self.name, "image"))


class NetConfig(Strict):
    kind: Literal["mlp"] = "mlp"
    depth: int = Field(3, ge=1, le=64, description="number of hidden layers")
    width: int = Field(512, ge=1, le=65536)
    activation: Activation = "relu"
    norm: Norm = "none"
    init: Literal[INITS] = "he_uniform"


class MLPGeneratorConfig(NetConfig):
    z_dim: int = Field(2, ge=1)


class ShiftGeneratorConfig(Strict):
    """A fixed generator: G(x) = x + theta·e1 applied to fresh real samples (WGAN Example 1,
    and N(0, s²) vs N(mu, s²)). theta is the generator's only parameter, so gradients of the
    generator's costs with respect to it can be measured."""

    kind: Literal["shift"]
    theta: float = 0.0


class NoiseGeneratorConfig(Strict):
    """A fixed generator: G(x) = x + std·N(0, I) on fresh real samples (gan_toy.py's FIXED_GENERATOR)."""

    kind: Literal["noise"]
    std: float = Field(1.0, gt=0)


class ConvNetConfig(Strict):
    filters: int = Field(64, ge=1, description="filters of the first critic conv / every constant-filter layer")
    kernel_size: int = Field(5, ge=1, description="DCGAN: 5")


class DCGANGeneratorConfig(ConvNetConfig):
    """DCGAN: dense to 4x4, stride-2 transposed convs halving the filters, tanh (nets/dcgan.py)."""

    kind: Literal["dcgan"]
    z_dim: int = Field(128, ge=1)
    batch_norm: bool = True


class ConvShape(Strict):
    """Depth and nonlinearity of a `conv` net: DCGAN's layout otherwise (WGAN-GP Sec. 5.1)."""

    depth: int | None = Field(None, ge=1, le=64, description="conv layers in all, at least one per stride-2 "
                              "resolution step; the extra ones are stride 1 at 4 x 4 (default: none extra)")


class ConvGeneratorConfig(DCGANGeneratorConfig, ConvShape):
    """DCGAN's generator with a chosen depth and nonlinearity (random architectures)."""

    kind: Literal["conv"]
    activation: Activation = "relu"


class ConstantFilterGeneratorConfig(ConvNetConfig):
    """WGAN-GP's 'crippled DCGAN': no batch norm, `filters` channels in every layer."""

    kind: Literal["constant_filter"]
    z_dim: int = Field(128, ge=1)


GeneratorConfig = GENERATORS.record_field(default="mlp")


class MLPCriticConfig(NetConfig):
    pass


class DCGANCriticConfig(ConvNetConfig):
    """Stride-2 convs doubling the filters, LeakyReLU 0.2, one linear output (nets/dcgan.py)."""

    kind: Literal["dcgan"]
    norm: Norm = Field("none", description="layer: WGAN-GP's choice (a GP critic must not mix samples)")
    init: Literal["he_uniform", "uniform_half_clip"] = "he_uniform"


class ConvCriticConfig(DCGANCriticConfig, ConvShape):
    """DCGAN's critic with a chosen depth and nonlinearity (random architectures)."""

    kind: Literal["conv"]
    activation: Activation = "leaky_relu"


CriticConfig = CRITICS.record_field(default="mlp")


class MethodConfig(Strict):
    """What every method shares; `name` picks the method's own record, a subclass registered with
    the method (wgan_bench.builtin for the built-in ones)."""

    name: str
    n_critic: int = Field(5, ge=1)
    n_critic_burst: int | None = Field(None, ge=1, description="critic steps in burst iterations (WGAN code: 100)")
    burst_first: int = Field(25, ge=0, description="the first N generator iterations are bursts")
    burst_every: int = Field(500, ge=1, description="and so is every N-th generator iteration")


METHODS.config_base = MethodConfig
AnyMethod = METHODS.record_field()


class OptimizerConfig(Strict):
    name: Literal["adam", "rmsprop", "sgd"]
    learning_rate: float = Field(gt=0)
    generator_learning_rate: float | None = Field(None, gt=0, description="defaults to learning_rate")
    beta_1: float = Field(0.5, ge=0, lt=1)
    beta_2: float = Field(0.9, ge=0, lt=1)


class TrainConfig(Strict):
    steps: int = Field(ge=1, description="generator iterations (critic updates / n_critic when the generator is fixed)")
    batch_size: int = Field(64, ge=1)
    jit_compile: bool = True
    train_generator: bool = Field(True, description="false: only the critic learns (a fixed generator)")


class GridConfig(Strict):
    """A 1-D grid for `critic_grid`; [fit_lo, fit_hi] is where linearity is measured."""

    lo: float = -2.0
    hi: float = 6.0
    n: int = Field(512, ge=2)
    fit_lo: float = 0.0
    fit_hi: float = 4.0


class RetrainConfig(Strict):
    """`retrained_critic`: at each quality step a fresh critic (the run's architecture, loss and
    penalty or clip, its fixed initial weights) is trained for `steps` updates against the frozen
    generator, on the diagnostics' own random stream, and its estimate is read off."""

    steps: int = Field(1000, ge=1, description="critic updates per checkpoint")
    optimizer: OptimizerConfig | None = Field(None, description="default: the run's optimizer")
    points: int = Field(20, ge=4, description="dual_convergence: readings of the estimate, at geometrically "
                                              "spaced update counts from 1 to steps")


class RecordConfig(Strict):
    every: int = Field(10, ge=1, description="record diagnostics every N generator iterations")
    diagnostics: list[DiagnosticName] = []
    weight_sample: int = Field(20000, ge=1, description="critic weights kept for histograms")
    eval_samples: int = Field(4096, ge=1, description="samples per distribution for dual_estimate/disc_stats")
    grad_batches: int = Field(20, ge=2, description="minibatches for the mean/std of theta_grads")
    quality_samples: int = Field(2500, ge=10, description="samples for sample_quality / value_surface")
    w1_samples: int = Field(1000, ge=10, description="samples per side for the exact W1 (POT)")
    quality_every: int | None = Field(None, ge=1,
                                      description="sample_quality/value_surface/retrained_critic every N "
                                                  "iterations (a multiple of every; default: every)")
    quality_at: list[int] | None = Field(None, description="or at these iterations only (multiples of every)")
    grid: GridConfig = GridConfig()
    retrain: RetrainConfig = RetrainConfig()
    inception_network: Literal["file", "stand_in"] = Field(
        "file", description="inception_scores: the 2015-12-05 graph from --inception PATH, or stand_in, a small "
                            "fixed network of the same interface for pipeline checks (its scores are not the papers')")
    checkpoint_every: int | None = Field(None, ge=1, description="save what the run needs to continue exactly "
                                         "every N iterations (a multiple of every; off by default)")

    @model_validator(mode="after")
    def _quality_steps_on_record_steps(self):
        if self.checkpoint_every is not None and self.checkpoint_every % self.every:
            raise ValueError(f"record.checkpoint_every ({self.checkpoint_every}) must be a multiple of "
                             f"record.every ({self.every})")
        if self.quality_every is not None and self.quality_every % self.every:
            raise ValueError(f"record.quality_every ({self.quality_every}) must be a multiple of record.every "
                             f"({self.every})")
        if self.quality_at is not None:
            if self.quality_every is not None:
                raise ValueError("record: give quality_every or quality_at, not both")
            off = [s for s in self.quality_at if s < 0 or s % self.every]
            if off:
                raise ValueError(f"record.quality_at {off}: steps must be >= 0 and multiples of record.every "
                                 f"({self.every})")
        return self

    def quality_step(self, step: int, last: int) -> bool:
        """Whether sample_quality, value_surface and retrained_critic are recorded at `step`."""
        if self.quality_at is not None:
            return step in self.quality_at
        return step % (self.quality_every or self.every) == 0 or step == last


class RunConfig(Strict):
    task: Literal["train"] = "train"
    dataset: DatasetConfig
    generator: GeneratorConfig
    critic: CriticConfig
    method: AnyMethod
    optimizer: OptimizerConfig
    train: TrainConfig
    record: RecordConfig = RecordConfig()

    @property
    def total_steps(self) -> int:
        return self.train.steps

    @property
    def diagnostics(self) -> list[str]:
        """Every diagnostic this run records, in the registry's order: the ones asked for, the
        ones always recorded (losses) and the ones that come with the data (image samples)."""
        wanted = set(self.record.diagnostics)
        return [e.name for e in DIAGNOSTICS.entries()
                if e.name in wanted or e.meta.get("always") or (e.meta.get("auto") and not e.meta["auto"](self))]

    @model_validator(mode="after")
    def _diagnostics_fit_the_setup(self):
        if self.record.diagnostics and DATASETS.meta(self.dataset.name, "streamed"):
            raise ValueError(f"record.diagnostics: a {self.dataset.name} is streamed in training batches; its runs "
                             f"record losses and sample grids only (diagnostics: [])")
        for name in self.record.diagnostics:
            needs = DIAGNOSTICS.meta(name, "needs")
            why = needs(self) if needs else None
            if why:
                raise ValueError(f"record.diagnostics {name} {why}")
        return self

    @model_validator(mode="after")
    def _nets_fit_the_data(self):
        image = self.dataset.is_image
        side = "image" if image else "toy"
        for role, reg, net in (("generator", GENERATORS, self.generator), ("critic", CRITICS, self.critic)):
            if not reg.meta(net.kind, side):
                raise ValueError(f"{role}.kind {net.kind} does not take {'image' if image else 'toy'} data; "
                                 f"allowed: {', '.join(reg.where(**{side: True}))}")
            steps = self.dataset.image_size.bit_length() - 3 if image else 0  # stride-2 layers from 4 x 4
            if isinstance(net, ConvShape) and net.depth is not None and net.depth < steps:
                raise ValueError(f"{role}.depth {net.depth}: a {self.dataset.image_size} x "
                                 f"{self.dataset.image_size} image needs at least {steps} conv layers")
        return self

    @model_validator(mode="after")
    def _fixed_generator_is_not_trained(self):
        if GENERATORS.meta(self.generator.kind, "fixed") and self.train.train_generator:
            raise ValueError(f"a {self.generator.kind} generator is fixed: set train.train_generator: false")
        return self

    @model_validator(mode="after")
    def _steps_multiple_of_record(self):
        if self.train.steps % self.record.every:
            raise ValueError(f"train.steps ({self.train.steps}) must be a multiple of record.every "
                             f"({self.record.every})")
        return self

    @model_validator(mode="after")
    def _clip_init_needs_clip(self):
        if self.critic.init == "uniform_half_clip" and getattr(self.method, "clip", None) is None:
            raise ValueError("critic.init uniform_half_clip needs a method with a clip value (method.name wgan)")
        return self


class AnalysisConfig(Strict):
    """A run without training: closed forms and exact optimal transport (`wgan_bench.analyses`)."""

    task: Literal["analysis"]
    analysis: AnalysisName
    mu_max: float = Field(35.0, gt=0, description="gaussian_divergences: largest mean shift")
    mu_points: int = Field(71, ge=3, description="gaussian_divergences: grid size on [0, mu_max]")
    samples: int = Field(4096, ge=2, description="samples per distribution for sample-based W1")
    thetas: list[float] = Field([0.0, -0.1, 0.1, -0.5, 0.5, -1.0, 1.0],
                                description="parallel_lines: offsets checked with exact OT")
    random_plans: int = Field(200, ge=1, description="box_transport: random valid plans to cost")

    @property
    def total_steps(self) -> int:
        return 1


def _task(value) -> str:
    task = value.get("task", "train") if isinstance(value, dict) else getattr(value, "task", "train")
    return f"{task}-run"


AnyRunConfig = Annotated[Union[Annotated[RunConfig, Tag("train-run")], Annotated[AnalysisConfig, Tag("analysis-run")]],
                         Discriminator(_task)]
RUN_CONFIG = TypeAdapter(AnyRunConfig)


def validate_run_config(data: dict) -> RunConfig | AnalysisConfig:
    return RUN_CONFIG.validate_python(data)


# ---------------------------------------------------------------- claims (DESIGN §5)
class Selector(Strict):
    """Picks one number per run: a metric (optionally one layer), reduced over its history."""

    metric: str
    layer: int | None = None
    reduce: Reducer = "final"
    step: int | None = Field(None, ge=0, description="for reduce: at_step")

    @model_validator(mode="after")
    def _step_with_at_step(self):
        steps = REDUCERS.where(needs_step=True)
        if (self.reduce in steps) != (self.step is not None):
            raise ValueError(f"give `step` exactly when reduce is one of {', '.join(steps)}")
        return self


class ThresholdCheck(Selector):
    kind: Literal["threshold"]
    variant: str
    aggregate: Aggregate = "median"
    abs: bool = False
    op: Literal[OPS]
    value: float
    rtol: float = Field(0.0, ge=0, description="for op ~=: |measured − value| ≤ atol + rtol·|value|")
    atol: float = Field(0.0, ge=0)


class ComparisonCheck(Selector):
    """`a op factor * b + margin`, either on seed aggregates or per paired seed."""

    kind: Literal["comparison"]
    a: str
    b: str
    op: Literal[CMP_OPS]
    factor: float = 1.0
    margin: float = 0.0
    aggregate: Aggregate = "median"
    per_seed: bool = False
    min_seeds: int | Literal["all"] = "all"


class SuccessCountCheck(Selector):
    """WGAN-GP Table 1: over seeds that each draw an architecture, `a` succeeds (metric op value)
    on a larger share than `b`, by at least `margin`. A seed whose run of one arm diverged or
    failed counts as that arm's failure; a seed with only one arm's run stored is left out."""

    kind: Literal["success_count"]
    a: str
    b: str
    op: Literal[CMP_OPS]
    value: float
    margin: float = Field(gt=0, le=1, description="least difference of the success rates (a − b); above 0, "
                          "so the untrained control, where both arms fail alike, fails")


class OrderCheck(Selector):
    """The variants' values are strictly ordered, in at least `min_seeds` paired seeds."""

    kind: Literal["order"]
    variants: list[str] = Field(min_length=2)
    direction: Literal["increasing", "decreasing"] = "increasing"
    min_seeds: int | Literal["all"] = "all"


class RelationCheck(Strict):
    """A statistic over one run's history, aggregated over seeds, against a value."""

    kind: Literal["relation"]
    variant: str
    stat: Literal["spearman", "log10_change", "log10_change_from_max"]
    metric: str
    layer: int | None = None
    metric_y: str | None = Field(None, description="second metric, for spearman")
    step_from: int | None = Field(None, ge=0, description="log10_change: start; spearman: window start")
    step_to: int | None = Field(None, ge=0, description="log10_change: end; spearman: window end")
    window: float | None = Field(None, gt=0, le=0.5, description="log10_change: start and end are medians of "
                                 "|metric| over this share of the records in [step_from, step_to], not single points")
    median_filter: int | None = Field(None, ge=3, description="spearman: `metric` is first replaced by its centred "
                                      "running median over this many records (WGAN Figs. 3-4's median filter)")
    aggregate: Aggregate = "median"
    op: Literal[CMP_OPS]
    value: float

    @model_validator(mode="after")
    def _args_for_stat(self):
        if self.stat == "spearman" and self.metric_y is None:
            raise ValueError("spearman needs metric_y")
        if self.stat != "spearman" and (self.step_from is None or self.step_to is None):
            raise ValueError(f"{self.stat} needs step_from and step_to")
        if self.window is not None and self.stat != "log10_change":
            raise ValueError("window applies to stat log10_change only")
        if self.median_filter is not None and (self.stat != "spearman" or self.median_filter % 2 == 0):
            raise ValueError("median_filter applies to stat spearman only, with an odd number of records")
        return self


class CompoundCheck(Strict):
    """A claim built from other checks (`checks`); compounds do not nest."""

    checks: list[CHECKS.record_field()] = Field(min_length=2)

    @field_validator("checks")
    @classmethod
    def _no_nesting(cls, v):
        if any(isinstance(c, CompoundCheck) for c in v):
            raise ValueError("any_of and all_of cannot hold another any_of or all_of")
        return v


class AnyOfCheck(CompoundCheck):
    """PASS when at least one of `checks` passes (a claim an issue states as 'A or B')."""

    kind: Literal["any_of"]


class AllOfCheck(CompoundCheck):
    """PASS when every one of `checks` passes (a relative claim with an absolute floor)."""

    kind: Literal["all_of"]


def sub_checks(check) -> list:
    """The checks a claim's check is made of: its `checks` for a compound, else itself."""
    return list(check.checks) if isinstance(check, CompoundCheck) else [check]


Check = CHECKS.record_field()


class Claim(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$")
    statement: str
    source: str
    check: Check
    basis: str = Field("", description="where the threshold comes from (paper, theory, calibration)")
    finding: str = Field("", description="why the claim FAILs at this scale (budget, metric, or a contradiction "
                                         "of the paper), shown in the report's Findings")
    profiles: list[str] | None = Field(None, description="the profiles this claim is evaluated in (default: "
                                       "every one); e.g. a claim against a paper's number at paper scale only")
    holds_at_init: bool = Field(False, description="the statement is a property of the network at "
                                                   "initialisation, so it may pass on its control; say why in basis")

    @model_validator(mode="after")
    def _init_claims_say_why(self):
        if self.holds_at_init and not self.basis.strip():
            raise ValueError("holds_at_init: true needs a basis saying why the claim holds before training")
        return self


class Regression(Selector):
    """A metric that `check` guards: |fresh - baseline| <= atol + rtol * |baseline|."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$")
    variant: str
    aggregate: Aggregate = "median"
    atol: float = Field(0.0, ge=0)
    rtol: float = Field(0.0, ge=0)
    basis: str = Field("", description="the seed-to-seed spread the tolerance was sized from")

    def tolerance(self, baseline: float) -> float:
        """The allowed |fresh − baseline| (NaN without a baseline value)."""
        return self.atol + self.rtol * abs(baseline)


# ---------------------------------------------------------------- report
class FigureSpec(Strict):
    title: str = ""
    caption: str = ""


class LayerProfileFigure(FigureSpec):
    kind: Literal["layer_profile"]
    metric: str = "grad_norm"


class WeightHistFigure(FigureSpec):
    kind: Literal["weight_hist"]
    variants: list[str] = []


class ReferenceLine(Strict):
    """A horizontal line on a metric curve: a fixed `value`, or `scale` × the median of another
    recorded `metric` (e.g. the real data's score, or a claim's threshold relative to it)."""

    label: str
    value: float | None = None
    metric: str | None = None
    scale: float = 1.0

    @model_validator(mode="after")
    def _one_source(self):
        if (self.value is None) == (self.metric is None):
            raise ValueError("give exactly one of value and metric")
        return self


class MetricCurveFigure(FigureSpec):
    kind: Literal["metric_curve"]
    metric: str
    layer: int | None = None
    log: bool = False
    lines: list[ReferenceLine] = Field([], description="horizontal reference lines, labelled in the legend")
    rho_with: str | None = Field(None, description="show each variant's Spearman ρ with this metric in the legend")
    rho_from: int = Field(0, ge=0, description="first step of the ρ window")
    median_filter: int | None = Field(None, ge=3, description="plot (and correlate) `metric`'s centred running "
                                      "median over this many records, as a claim's relation of the same name")
    x: str | None = Field(None, description="plot against this recorded metric (median over seeds at each "
                                            "step, e.g. train_seconds) instead of the generator iteration")
    variants: list[str] = Field([], description="only these variants (default: all)")


class SweepFigure(FigureSpec):
    """Metrics against a configuration value that the variants sweep (e.g. method.clip), a panel
    per metric: each run's `reduce`d value, median over seeds, band min-max; variants without the
    value are left out."""

    kind: Literal["sweep"]
    param: str = Field(description="a dotted configuration path, e.g. method.clip")
    metrics: list[str] = Field(min_length=1)
    reduce: Reducer = "final"
    log_x: bool = True
    log_y: list[str] = Field([], description="metrics drawn on a log axis")
    variants: list[str] = []


class SuccessCurveFigure(FigureSpec):
    """WGAN-GP Table 1 as curves: the share of seeds (each its own architecture) whose `reduce`d
    metric reaches each threshold, a line per variant (a run that did not finish fails every
    threshold); beside it each seed's pair of values."""

    kind: Literal["success_curve"]
    metric: str
    reduce: Reducer = "final"
    variants: list[str] = Field(min_length=2, max_length=2, description="the two arms, x and y of the pairs")
    mark: float | None = Field(None, description="the claim's success threshold, drawn as a line")

    @field_validator("reduce")
    @classmethod
    def _no_step(cls, v):
        if REDUCERS.meta(v, "needs_step"):
            stepless = [e.name for e in REDUCERS.entries() if not e.meta.get("needs_step")]
            raise ValueError(f"{v} needs a step; use one of {', '.join(stepless)}")
        return v


class CriticCurveFigure(FigureSpec):
    """1-D critics on their grid with the two densities (WGAN Fig. 2)."""

    kind: Literal["critic_curve"]
    variants: list[str] = []


class ThetaGradFigure(FigureSpec):
    """Generator-cost gradients wrt theta against critic steps (A&B Figs. 2-3)."""

    kind: Literal["theta_grad_curves"]
    variants: list[str] = []


class DivergenceFigure(FigureSpec):
    """Closed-form divergences and their derivatives against the mean shift (analysis artifacts)."""

    kind: Literal["divergence_curves"]
    variant: str


class TransportPlanFigure(FigureSpec):
    """An optimal transport plan as a heat map (analysis artifacts)."""

    kind: Literal["transport_plan"]
    variant: str
    example: Literal["boxes", "cheapest"] = Field("boxes", description="the classic boxes, or the example whose "
                                                  "plans differ in cost")


class LineCurvesFigure(FigureSpec):
    """W and JS against theta for WGAN Example 1 (analysis artifacts)."""

    kind: Literal["line_curves"]
    variant: str


class SampleGridFigure(FigureSpec):
    """Scatter plots of the final samples over the real modes, one panel per variant."""

    kind: Literal["sample_grid"]
    variants: list[str] = []


class ImageGridFigure(FigureSpec):
    """A mosaic of 64 final generated images per variant (WGAN Figs. 5-7), `columns` panels a row."""

    kind: Literal["image_grid"]
    variants: list[str] = []
    columns: int = Field(3, ge=1)


class ImageStepsFigure(FigureSpec):
    """Generated images at each quality step, a row per variant (first seed): how samples evolve."""

    kind: Literal["image_steps"]
    variants: list[str] = []
    max_steps: int = Field(8, ge=2, description="at most this many quality steps, evenly spaced from the "
                                                "first to the last")


class ValueSurfaceFigure(FigureSpec):
    """Contour plots of 2-D critics (WGAN-GP Fig. 1(a)), one panel per variant."""

    kind: Literal["value_surfaces"]
    variants: list[str] = []
    columns: int = Field(3, ge=1)


Figure = FIGURES.record_field()


class SummaryTable(Strict):
    """Per-variant table of metrics (median over seeds) for the report; informational rows."""

    title: str = "Summary"
    rows: list[Selector] = Field(min_length=1)


class ReportConfig(Strict):
    figures: list[Figure] = []
    tables: list[SummaryTable] = []


# ---------------------------------------------------------------- the experiment file
class SeedRange(Strict):
    """`{count: 200}` for seeds 0..199 (`first` moves the start): a paper profile's 200 architectures."""

    count: int = Field(ge=1)
    first: int = Field(0, ge=0)


def _seed_range(value):
    if isinstance(value, dict):
        r = SeedRange.model_validate(value)
        return list(range(r.first, r.first + r.count))
    return value


Seeds = Annotated[list[int], BeforeValidator(_seed_range)]
Choices = Union[list[Any], dict[str, list[Any]]]


class ArchitectureSpace(Strict):
    """WGAN-GP Sec. 5.1: each seed draws one value per field from these choices, the same draw for
    every variant. A field's choices may differ by variant ({variant: [...]}, equal lengths: the
    same position is drawn), e.g. batch norm for the GAN's critic where WGAN-GP's has layer norm."""

    generator: dict[str, Choices] = {}
    critic: dict[str, Choices] = {}

    @field_validator("generator", "critic")
    @classmethod
    def _choices(cls, v: dict):
        for field, choices in v.items():
            lists = list(choices.values()) if isinstance(choices, dict) else [choices]
            if not lists or any(not len(c) for c in lists):
                raise ValueError(f"{field}: give at least one choice")
            if len({len(c) for c in lists}) > 1:
                raise ValueError(f"{field}: every variant needs the same number of choices (one draw picks a position)")
        return v


class Profile(Strict):
    """A named delta for scale. Besides config deltas it may pick seeds and a subset of variants."""

    model_config = ConfigDict(extra="allow", frozen=True)
    seeds: Seeds | None = None
    variants: list[str] | None = None
    architectures: ArchitectureSpace | None = Field(None, description="replaces the experiment's space, e.g. the "
                                                    "paper's own at paper scale")
    description: str = ""


class Experiment(Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    source: str
    description: str = ""
    deviations: list[str] = []
    defaults: dict
    variants: dict[str, dict] = Field(min_length=1)
    seeds: Seeds = Field(min_length=1)
    architectures: ArchitectureSpace | None = Field(None, description="random architectures: each seed also "
                                                    "draws the generator's and critic's shape from this space")
    profiles: dict[str, Profile] = {}
    claims: list[Claim] = []
    regression: list[Regression] = []
    report: ReportConfig = ReportConfig()
    save_generator: bool = Field(True, description="keep each finished run's trained generator under "
                                 "artifacts/<run_id>/ (runs with a latent input only); false where size matters")

    @field_validator("variants")
    @classmethod
    def _variant_names(cls, v: dict):
        for name in v:
            if not isinstance(name, str) or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
                raise ValueError(f"variant name {name!r}: use letters, digits, '-', '_', '.'")
        return v
