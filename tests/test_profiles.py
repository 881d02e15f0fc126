"""Which profile a run uses, where its results go, and what `defaults` must be (issue #18, item 6)."""


def test_defaults_are_validated_even_when_every_variant_overrides_them(tiny_yaml, capsys):
    from wgan_bench.cli import main

    text = tiny_yaml.read_text().replace("optimizer: {name: rmsprop, learning_rate: 1.0e-3}",
                                         "optimizer: {name: rmsprop, learning_rate: -1}")
    text = text.replace("  clip: {}", "  clip: {optimizer: {learning_rate: 1.0e-3}}")
    tiny_yaml.write_text(text)
    assert main(["validate", str(tiny_yaml)]) == 2
    err = capsys.readouterr().err
    assert f"{tiny_yaml}: defaults.optimizer.learning_rate:" in err


def test_profile_choice_and_overrides_stored_apart(tiny_yaml):
    from wgan_bench.commands.run import profile_for, store_profile
    from wgan_bench.config.loader import load_experiment

    exp = load_experiment(tiny_yaml)
    assert profile_for(exp, None) == "quick" and profile_for(exp, "ci") == "ci"
    bare = tiny_yaml.with_name("bare.yaml")
    text = tiny_yaml.read_text().replace("name: tiny", "name: bare")
    bare.write_text(text[:text.index("profiles:")] + text[text.index("claims:"):])
    plain = load_experiment(bare)
    assert not plain.spec.profiles and profile_for(plain, None) == "default"
    assert len(plain.resolve(profile_for(plain, None))) == 2  # both variants, the file's seeds
    assert store_profile("quick", []) == "quick"
    tagged = store_profile("quick", ["train.steps=5"])
    assert tagged.startswith("quick+") and len(tagged) == 14 and tagged != store_profile("quick", ["train.steps=6"])
