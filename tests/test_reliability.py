"""A store that cannot lie, and a command line that fails clearly: each case a bug once
reproduced with the quick budget (issue "Two layers..."), each test false on the old code."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from caeward.experiments import runner, store
from caeward.experiments.cli import main
from caeward.experiments.results import load_results, result_path
from caeward.experiments.settings import BUDGETS
from caeward.files import remove_stale_temporaries, save_verified_array
from caeward.train import TRAINING_VERSION, checkpoint_record

QUICK = BUDGETS["quick"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """Empty cache and results folders of this test's own."""
    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CAEWARD_RESULTS", str(tmp_path / "results"))
    return tmp_path


@pytest.fixture(scope="module")
def images():
    return runner.load_dataset("mnist-test", "quick")[0]


def _folder(name, images, seed):
    return store.training_folder(store.training_key(name, images, QUICK, seed))


# 1 ---------------------------------------------------------------------------

def _flip_an_exponent(checkpoint: Path) -> None:
    """Flip the top exponent bit of the first weight of the first layer inside the
    file, as a bad disk would: the file still loads, with a weight near 1e38."""
    state = torch.load(checkpoint, weights_only=True)
    first = next(v for k, v in state["model"].items() if k.endswith("weight"))
    value = first.flatten()[:4].numpy().tobytes()
    data = bytearray(checkpoint.read_bytes())
    at = data.find(value)
    assert at > 0, "the weight's bytes were not found in the checkpoint"
    data[at + 3] ^= 0x40  # float32, little-endian: byte 3 holds the sign and high exponent bits
    checkpoint.write_bytes(bytes(data))
    damaged = torch.load(checkpoint, weights_only=True)["model"]
    assert damaged[next(k for k in damaged if k.endswith("weight"))].abs().max() > 1e30  # silent to torch


def test_a_flipped_bit_in_a_checkpoint_is_caught_and_never_reaches_a_result(sandbox, images, monkeypatch):
    intact = runner.run("cae-ward", "mnist-test", 0, "quick", verbose=False)
    folder = _folder("cae", images, 0)
    for name in ("codes.npy", "codes.json"):  # as after a kill before the codes were written
        (folder / name).unlink()
    result_path("cae-ward", "mnist-test", 0, "quick").unlink()
    _flip_an_exponent(folder / "pretrain.pt")
    with pytest.warns(UserWarning, match="fails its check"):
        again = runner.run("cae-ward", "mnist-test", 0, "quick", verbose=False)
    assert again.acc == intact.acc  # retrained from the start: the same training, the same labels
    codes, _ = store.trained_codes("cae", images, QUICK, 0, "cpu", progress=False)
    assert np.abs(codes).max() < 1e3


def test_codes_that_are_not_finite_are_never_cached(sandbox, images, monkeypatch):
    monkeypatch.setattr(store, "embed", lambda model, x: np.full((len(x), 10), np.nan, np.float32))
    with pytest.raises(store.StoreError, match="diverged"):
        store.trained_codes("cae", images, QUICK, 0, "cpu", progress=False)
    assert not (_folder("cae", images, 0) / "codes.npy").exists()


# 2 ---------------------------------------------------------------------------

def test_self_training_on_committed_codes_trains_the_missing_network(sandbox, images, monkeypatch):
    store.trained_codes("cae", images, QUICK, 0, "cpu", progress=False)
    store.store_codes("cae", images, QUICK, 0)
    monkeypatch.setenv("CAEWARD_CACHE", str(sandbox / "fresh-cache"))  # a new machine
    result = runner.run("cae-idec", "mnist-test", 0, "quick", verbose=False)
    assert result.details["selftrain"]["iterations"] > 0
    assert (_folder("cae", images, 0) / "pretrain.pt").exists()
    # the record is of the network that was self-trained here, with its time
    assert result.details["autoencoder"]["source"] == "trained" and result.timings["pretrain_s"] > 0


# 3 ---------------------------------------------------------------------------

TRAIN = ["train", "--autoencoder", "cae", "--dataset", "mnist-test", "--seed", "0", "--store"]


def test_committed_codes_are_not_overwritten_without_overwrite(sandbox, images, capsys):
    assert main(TRAIN) == 0
    (committed,) = (sandbox / "results" / "codes" / "quick").glob("cae-*")
    before = {p.name: p.read_bytes() for p in committed.iterdir()}
    assert main(TRAIN) == 0  # the same codes, committed already: nothing is written
    assert "the same codes are committed" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in committed.iterdir()} == before
    # the cache now holds another training under the same key (a retraining elsewhere)
    cached = _folder("cae", images, 0)
    codes, info = np.load(cached / "codes.npy"), json.loads((cached / "codes.json").read_text())["info"]
    save_verified_array(cached / "codes.npy", cached / "codes.json", codes + 1, info)
    assert main(TRAIN) == 2
    assert "pass --overwrite" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in committed.iterdir()} == before
    assert main(TRAIN + ["--overwrite"]) == 0
    assert np.array_equal(np.load(committed / "codes.npy"), codes + 1)


@pytest.mark.parametrize("edit", ["metadata", "a list"])
def test_edited_committed_metadata_is_not_taken_as_fact(sandbox, images, monkeypatch, edit):
    assert main(TRAIN) == 0
    (committed,) = (sandbox / "results" / "codes" / "quick").glob("cae-*")
    record = committed / "codes.json"
    if edit == "metadata":
        data = json.loads(record.read_text())
        data["info"]["reconstruction_mse"] = 0.0
        record.write_text(json.dumps(data))
    else:
        record.write_text("[1, 2, 3]")
    monkeypatch.setenv("CAEWARD_CACHE", str(sandbox / "fresh-cache"))
    with pytest.warns(UserWarning, match="not used"):
        _, info = store.trained_codes("cae", images, QUICK, 0, "cpu", progress=False)
    assert info["source"] == "trained" and info["reconstruction_mse"] > 0


# 4 ---------------------------------------------------------------------------

def test_quick_mode_means_the_quick_budget_on_the_command_line(sandbox):
    assert os.environ["CAEWARD_QUICK"] == "1"  # set for every test (conftest.py)
    assert main(["run", "--method", "pixels-kmeans", "--dataset", "mnist-test"]) == 0
    assert (sandbox / "results" / "quick" / "pixels-kmeans" / "mnist-test" / "seed0.json").exists()
    assert not (sandbox / "results" / "full").exists()


# 5 ---------------------------------------------------------------------------

def _must_not_compute(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("work started before the command was checked")
    monkeypatch.setattr(runner, "represent", refuse)
    monkeypatch.setattr(store, "trained_codes", refuse)


@pytest.mark.parametrize("argv, says", [
    (["run", "--method", "mnist-test", "--dataset", "pixels-kmeans"], "unknown method 'mnist-test'"),
    (["run", "--method", "pixels-kmeans", "--dataset", "cifar"], "unknown dataset 'cifar'"),
    (["run", "--method", "pixels-kmeans", "--seed", "-1"], "seeds must be whole numbers >= 0"),
    (["train", "--autoencoder", "cae", "--dataset", "mnist-test", "--seed", "-3"], "seeds must be"),
    (["train", "--autoencoder", "all", "--dataset", "mnist-test"], "unknown autoencoder 'all'"),
    (["train", "--autoencoder", "cae", "--dataset", "all"], "unknown dataset 'all'"),
    (["run", "--method", "pixels-kmeans", "--budget", "huge"], "unknown budget 'huge'"),
])
def test_a_users_mistake_is_one_line_and_status_2(sandbox, monkeypatch, capsys, argv, says):
    _must_not_compute(monkeypatch)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (sandbox / "cache").exists()  # no junk cache folder


def test_an_unwritable_results_folder_is_refused_before_any_work(sandbox, monkeypatch, capsys):
    blocker = sandbox / "not-a-folder"
    blocker.write_text("a file where the results folder would go")
    monkeypatch.setenv("CAEWARD_RESULTS", str(blocker / "results"))
    _must_not_compute(monkeypatch)
    assert main(["run", "--method", "pixels-kmeans", "--dataset", "mnist-test"]) == 2
    assert "cannot write into" in capsys.readouterr().err


def test_a_numpy_seed_is_a_plain_seed(sandbox):
    result = runner.run("pixels-kmeans", "mnist-test", np.int64(0), "quick", verbose=False)
    assert type(result.seed) is int and load_results("quick") == [result]


def test_a_closed_pipe_ends_quietly():
    proc = subprocess.Popen([sys.executable, "-m", "caeward", "list"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.close()  # `| head` that has read enough
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err, err


# 6 ---------------------------------------------------------------------------

def test_two_identical_runs_at_once_train_once_and_keep_one_result(sandbox):
    command = [sys.executable, "-m", "caeward", "run", "--method", "cae-kmeans", "--dataset", "mnist-test",
               "--seed", "7", "--budget", "quick"]
    procs = [subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT) for _ in range(2)]
    outputs = [p.communicate(timeout=600)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    (folder,) = (sandbox / "cache").glob("cae-*")
    clock = json.loads((folder / "pretrain_clock.json").read_text())
    assert len(clock) == 1, "both processes trained"  # the second waited, then used the first's
    (result,) = load_results("quick")  # one file, written once
    kept = sum("another run stored" in o or "nothing to compute" in o for o in outputs)
    assert kept == 1, outputs  # the other process kept the first one's result
    assert result.details["autoencoder"]["losses"]


def test_the_table_refuses_a_copied_or_misfiled_result(sandbox, capsys):
    runner.run("pixels-kmeans", "mnist-test", 0, "quick", verbose=False)
    original = result_path("pixels-kmeans", "mnist-test", 0, "quick")
    for copy in (original.with_name("seed9.json"),
                 result_path("pixels-kmeans", "mnist-full", 0, "quick")):
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(original.read_bytes())
        assert main(["table", "--budget", "quick"]) == 2
        assert "copied or misfiled" in capsys.readouterr().err
        copy.unlink()
    assert main(["table", "--budget", "quick"]) == 0


# 7 ---------------------------------------------------------------------------

def test_a_write_killed_halfway_leaves_nothing_behind_for_long(sandbox, images):
    folder = _folder("cae", images, 0)
    folder.mkdir(parents=True)
    killed = textwrap.dedent(f"""
        import os
        from caeward.files import atomic_path
        with atomic_path({str(folder / 'pretrain.pt')!r}) as tmp:
            tmp.write_bytes(b"half a checkpoint")
            os._exit(9)  # killed during torch.save
    """)
    subprocess.run([sys.executable, "-c", killed], cwd=ROOT, check=False)
    (left,) = [p for p in folder.iterdir() if p.name.startswith(".pretrain.pt")]
    assert not (folder / "pretrain.pt").exists()
    _, info = store.trained_model("cae", images, QUICK, 0, "cpu", progress=False)
    assert not left.exists() and info["pretrain_runs"] == 1
    assert (folder / "pretrain.pt").exists() and checkpoint_record(folder / "pretrain.pt").exists()


def test_a_temporary_of_a_live_writer_is_kept(tmp_path):
    from caeward.files import atomic_path
    with atomic_path(tmp_path / "f.txt") as tmp:
        tmp.write_text("being written")
        assert remove_stale_temporaries(tmp_path) == [] and tmp.exists()
    assert (tmp_path / "f.txt").read_text() == "being written"


# cache identity --------------------------------------------------------------

def test_the_cache_key_names_a_training_version_not_source_text(images):
    key = store.training_key("cae", images, QUICK, 0)
    assert key["training_version"] >= 1 and "code_version" not in key
    assert set(key) == {"autoencoder", "spec", "training_version", "data_sha256", "n_samples", "epochs",
                        "batch_size", "bf16", "seed"}


def test_the_committed_codes_serve_the_chapters_without_training(monkeypatch, tmp_path):
    """Every committed set of codes is found for its training, verified, and used
    instead of training, from an empty cache (as on a new machine or Colab)."""
    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path / "empty"))
    monkeypatch.delenv("CAEWARD_RESULTS", raising=False)

    def refuse(*args, **kwargs):
        raise AssertionError("trained although the codes are committed")
    monkeypatch.setattr(store, "pretrain", refuse)
    folders = sorted((ROOT / "results" / "codes" / "full").iterdir())
    assert folders
    for folder in folders:
        key = json.loads((folder / "codes.json").read_text())["info"]["key"]
        assert key["training_version"] == TRAINING_VERSION
        dataset = {70_000: "mnist-full", 10_000: "mnist-test"}[key["n_samples"]]
        images, _ = runner.load_dataset(dataset, "full")
        codes, info = store.trained_codes(key["autoencoder"], images, BUDGETS["full"], key["seed"], "cpu")
        assert info["source"] == "committed" and info["key"] == key and np.isfinite(codes).all()
