"""The store checks itself: truncated, garbled and hand-edited tables are one clear error, never a
traceback and never silently trusted; --force moves a damaged store aside."""

import shutil

import pytest

from wgan_bench.cli import main
from wgan_bench.store.integrity import StoreDamaged
from wgan_bench.store.results import ResultStore

from .conftest import REPO

EXP = "divergences"


@pytest.fixture
def store(tmp_path):
    """A copy of the committed divergences ci baseline (indexed)."""
    src = REPO / "results" / EXP / "ci"
    shutil.copytree(src, tmp_path / "results" / EXP / "ci")
    s = ResultStore(tmp_path / "results", EXP, "ci")
    assert (s.dir / "tables.json").is_file()
    return s


def _truncate(s):
    data = s.history_path.read_bytes()
    s.history_path.write_bytes(data[: len(data) // 2])


def _garble(s):
    data = bytearray(s.history_path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 8] = b"\x00\xff#,,\"x\n"
    s.history_path.write_bytes(bytes(data))


def _hand_edit(s):
    text = s.runs_path.read_text().splitlines()
    text[1] = text[1].replace(",ok,", ",diverged,")
    s.runs_path.write_text("\n".join(text) + "\n")


def _delete_history_rows(s):  # a consistent-looking edit: whole rows of one run gone
    lines = s.history_path.read_text().splitlines(keepends=True)
    first = lines[1].split(",")[0]
    s.history_path.write_text("".join(line for line in lines if not line.startswith(first + ",")))


def _drop_index_then(edit):
    def apply(s):
        (s.dir / "tables.json").unlink()  # a store from before the index: structure checks only
        edit(s)
    return apply


def _text_in_values(s):
    lines = s.history_path.read_text().splitlines(keepends=True)
    cells = lines[1].split(",")
    cells[5] = "abc"
    lines[1] = ",".join(cells)
    s.history_path.write_text("".join(lines))


def _binary(s):
    s.runs_path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")


def _bad_index(s):
    (s.dir / "tables.json").write_text("{not json")


def _runs_missing(s):
    s.runs_path.unlink()


CORRUPTIONS = {
    "truncated": (_truncate, "history.csv: damaged: its checksum differs"),
    "garbled": (_garble, "history.csv: damaged: its checksum differs"),
    "hand-edited": (_hand_edit, "runs.csv: damaged: its checksum differs"),
    "rows-deleted": (_delete_history_rows, "history.csv: damaged: its checksum differs"),
    "legacy-rows-deleted": (_drop_index_then(_delete_history_rows), "finished run(s) with no rows here"),
    "legacy-text-values": (_drop_index_then(_text_in_values), "column 'value' holds non-numbers"),
    "legacy-binary": (_drop_index_then(_binary), "runs.csv: damaged: "),
    "legacy-truncated": (_drop_index_then(_truncate), "history.csv: damaged: "),
    "bad-index": (_bad_index, "tables.json: damaged: unreadable index"),
    "runs-missing": (_runs_missing, "runs.csv: damaged: missing while history.csv exists"),
}


def test_intact_store_reads(store):
    runs, history = store.load()
    assert len(runs) == 13 and set(runs["status"]) == {"ok"} and len(history)


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_damage_is_caught_on_read(store, name):
    damage, says = CORRUPTIONS[name]
    damage(store)
    with pytest.raises(StoreDamaged) as err:
        ResultStore(store.root, EXP, "ci").load()
    msg = str(err.value)
    assert says in msg and "\n" not in msg
    assert "git checkout --" in msg and "--force" in msg


@pytest.mark.parametrize("name", ["truncated", "hand-edited", "legacy-text-values"])
def test_report_and_check_stop_with_one_line(store, name, tmp_path, monkeypatch, capsys):
    CORRUPTIONS[name][0](store)
    monkeypatch.chdir(REPO)
    assert main(["report", "--results", str(store.root), "--out", str(tmp_path / "out"),
                 "--experiment", EXP]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "damaged" in err and "Traceback" not in err
    assert main(["check", "--results", str(store.root), "--experiment", EXP]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and "Traceback" not in err


def test_run_refuses_a_damaged_store_and_changes_nothing(store, monkeypatch, capsys):
    _truncate(store)
    snapshot = {p: p.read_bytes() for p in store.root.rglob("*") if p.is_file()}
    monkeypatch.chdir(REPO)
    assert main(["run", f"experiments/{EXP}.yaml", "--profile", "ci", "--variant", "box",
                 "--results", str(store.root)]) == 2
    err = capsys.readouterr().err
    assert "history.csv: damaged" in err and "Traceback" not in err
    assert {p: p.read_bytes() for p in store.root.rglob("*") if p.is_file()} == snapshot


def test_force_moves_a_damaged_store_aside_and_starts_afresh(store, monkeypatch, capsys):
    _truncate(store)
    monkeypatch.chdir(REPO)
    assert main(["run", f"experiments/{EXP}.yaml", "--profile", "ci", "--variant", "box",
                 "--results", str(store.root), "--force"]) == 0
    out = capsys.readouterr().out
    assert "damaged tables moved aside" in out
    assert (store.dir / "history.csv.damaged").is_file()
    runs = ResultStore(store.root, EXP, "ci").runs()
    assert runs["variant"].tolist() == ["box"]


def test_a_legacy_store_is_indexed_by_its_next_write(store):
    (store.dir / "tables.json").unlink()
    store.consolidate()
    index = (store.dir / "tables.json").read_text()
    assert "runs.csv" in index and "history.csv" in index and "claims.csv" in index
    _hand_edit(store)
    with pytest.raises(StoreDamaged):
        ResultStore(store.root, EXP, "ci").load()
