"""Bad input, tried wholesale: every committed experiment file mutated a few hundred times (keys
dropped, duplicated, retyped and misspelt, numbers out of range, huge values, broken YAML). Each
mutation gives exit 0 or 2, one line per problem naming the file, never a traceback, and a run of
a rejected file leaves the results folder exactly as it was."""

import copy
import random
import shutil

import pytest
import yaml

from wgan_bench.cli import main

from .conftest import REPO

EXPERIMENTS = sorted((REPO / "experiments").glob("*.yaml"))
PER_FILE = 40  # 12 files x 40 = 480 mutations
ODD_VALUES = [-1, 0, -0.5, 1e308, -1e308, float("nan"), float("inf"), 10**30, "", "x" * 5000, None, True,
              [], {}, [1, [2, [3]]], {"a": {"b": {"c": 1}}}, "1e-5", 3.7]


def _paths(node, prefix=()):
    """Every (path, container, key) in the parsed tree."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        yield prefix + (key,), node, key
        yield from _paths(value, prefix + (key,))


def _mutate_tree(data, rng: random.Random) -> str:
    data = copy.deepcopy(data)
    path, parent, key = rng.choice(list(_paths(data)))
    how = rng.choice(["drop", "retype", "misspell", "odd", "duplicate"])
    if how == "drop":
        del parent[key]
    elif how == "retype":
        value = parent[key]
        parent[key] = (str(value) if not isinstance(value, str) else rng.choice([7, [value], {"v": value}]))
    elif how == "misspell" and isinstance(parent, dict):
        parent[f"{key}x" if rng.random() < 0.5 else str(key)[:-1] or "k"] = parent.pop(key)
    elif how == "duplicate" and isinstance(parent, dict):
        text = yaml.safe_dump(data, sort_keys=False, width=1000)
        line = next((ln for ln in text.splitlines() if ln.strip().startswith(f"{key}:")), None)
        return text + (f"\n{line.strip()}\n" if line and not line.startswith(" ") else "")
    else:
        parent[key] = rng.choice(ODD_VALUES)
    return yaml.safe_dump(data, sort_keys=False, width=1000, allow_unicode=True)


def _break_text(text: str, rng: random.Random) -> str:
    cut = rng.randrange(1, len(text))
    return rng.choice([text[:cut], text[:cut] + ": [\n" + text[cut:], text[:cut] + "\t" + text[cut:],
                       text[:cut] + "\n  - *undefined\n" + text[cut:], "\x00\xff" + text])


def _mutations(path, n):
    rng = random.Random(f"{path.name}-mutations")
    text = path.read_text()
    data = yaml.safe_load(text)
    for i in range(n):
        yield i, (_break_text(text, rng) if i % 5 == 4 else _mutate_tree(data, rng))


@pytest.mark.parametrize("source", EXPERIMENTS, ids=lambda p: p.stem)
def test_mutated_experiment_files_fail_cleanly(source, tmp_path, monkeypatch, capsys):
    results = tmp_path / "results"
    shutil.copytree(REPO / "results" / source.stem, results / source.stem)
    before = {p: p.read_bytes() for p in results.rglob("*") if p.is_file()}
    monkeypatch.chdir(tmp_path)
    target = tmp_path / source.name
    rejected = 0
    for i, text in _mutations(source, PER_FILE):
        target.write_text(text, errors="surrogateescape")
        code = main(["validate", str(target)])
        out, err = capsys.readouterr()
        where = f"mutation {i} of {source.name}:\n{text[:400]}"
        assert code in (0, 2), where
        assert "Traceback" not in out + err, where
        if code == 2:
            rejected += 1
            lines = err.strip().splitlines()
            assert lines and all(ln.startswith(f"error: {target}") for ln in lines), (where, err)
            assert main(["run", str(target), "--results", str(results)]) == 2, where
            capsys.readouterr()
    after = {p: p.read_bytes() for p in results.rglob("*") if p.is_file()}
    assert after == before
    assert rejected >= PER_FILE // 2  # most mutations are errors; the test is not vacuous
