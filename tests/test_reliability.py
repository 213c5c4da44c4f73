"""A store that cannot lie, and a command line that fails clearly: each case a bug once
reproduced with the quick budget (issue "Two layers..."), each test false on the old code."""

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from caeward.experiments import committed_codes, runner, training_cache, trainings
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
    return training_cache.training_folder(training_cache.training_key(name, images, QUICK, seed))


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
    codes, _ = trainings.trained_codes("cae", images, QUICK, 0, "cpu", progress=False)
    assert np.abs(codes).max() < 1e3


def test_codes_that_are_not_finite_are_never_cached(sandbox, images, monkeypatch):
    monkeypatch.setattr(trainings, "embed", lambda model, x: np.full((len(x), 10), np.nan, np.float32))
    with pytest.raises(training_cache.StoreError, match="diverged"):
        trainings.trained_codes("cae", images, QUICK, 0, "cpu", progress=False)
    assert not (_folder("cae", images, 0) / "codes.npy").exists()


# 2 ---------------------------------------------------------------------------

def test_self_training_on_committed_codes_trains_the_missing_network(sandbox, images, monkeypatch):
    trainings.trained_codes("cae", images, QUICK, 0, "cpu", progress=False)
    committed_codes.store_codes("cae", images, QUICK, 0)
    monkeypatch.setenv("CAEWARD_CACHE", str(sandbox / "fresh-cache"))  # a new machine
    # What is checked is which network the self-training starts from and records, not
    # where 150 batches of it lead (test_runner runs cae-idec at the quick budget): a few
    # batches do. The training, its key and the result's path are the quick budget's.
    few = replace(QUICK, selftrain_maxiter=5)
    assert training_cache.training_key("cae", images, few, 0) == training_cache.training_key("cae", images, QUICK, 0)
    result = runner.run("cae-idec", "mnist-test", 0, few, verbose=False)
    assert result_path("cae-idec", "mnist-test", 0, "quick").exists()
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
        _, info = trainings.trained_codes("cae", images, QUICK, 0, "cpu", progress=False)
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
    monkeypatch.setattr(trainings, "trained_codes", refuse)


@pytest.mark.parametrize("argv, says", [
    (["run", "--method", "mnist-test", "--dataset", "pixels-kmeans"], "unknown method 'mnist-test'"),
    (["run", "--method", "pixels-kmeans", "--dataset", "cifar"], "unknown dataset 'cifar'"),
    (["run", "--method", "pixels-kmeans", "--seed", "-1"], "seeds must be whole numbers from 0"),
    (["run", "--method", "pixels-kmeans", "--seed", "4294967296"], "seeds must be whole numbers from 0 to 4294967295"),
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
    assert "is a file, not a folder" in capsys.readouterr().err


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


def test_the_table_flags_a_copied_or_misfiled_result_and_never_counts_it(sandbox, capsys):
    runner.run("pixels-kmeans", "mnist-test", 0, "quick", verbose=False)
    original = result_path("pixels-kmeans", "mnist-test", 0, "quick")
    for copy in (original.with_name("seed9.json"),
                 result_path("pixels-kmeans", "mnist-full", 0, "quick")):
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(original.read_bytes())
        assert main(["table", "--budget", "quick"]) == 0
        out, err = capsys.readouterr()
        assert "copied or misfiled" in err and str(copy) in err and len(err.strip().splitlines()) == 1
        assert "mnist-full" not in out.split("compute recorded")[0]  # not counted
        copy.unlink()
    assert main(["table", "--budget", "quick"]) == 0 and capsys.readouterr().err == ""


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
    _, info = trainings.trained_model("cae", images, QUICK, 0, "cpu", progress=False)
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
    key = training_cache.training_key("cae", images, QUICK, 0)
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
    monkeypatch.setattr(trainings, "pretrain", refuse)
    folders = sorted((ROOT / "results" / "codes" / "full").iterdir())
    assert folders
    for folder in folders:
        key = json.loads((folder / "codes.json").read_text())["info"]["key"]
        assert key["training_version"] == TRAINING_VERSION
        dataset = {70_000: "mnist-full", 10_000: "mnist-test"}[key["n_samples"]]
        images, _ = runner.load_dataset(dataset, "full")
        codes, info = trainings.trained_codes(key["autoencoder"], images, BUDGETS["full"], key["seed"], "cpu")
        assert info["source"] == "committed" and info["key"] == key and np.isfinite(codes).all()


# ============================================================================
# Nothing can make the store print a wrong number (each case false on the old code)
# ============================================================================

# 1 a training folder is its record --------------------------------------------

@pytest.mark.parametrize("how", ["copy", "symlink"])
def test_a_misfiled_training_is_set_aside_and_never_used_for_another_seed(sandbox, images, how):
    import shutil
    seed0 = runner.run("cae-ward", "mnist-test", 0, "quick", verbose=False)
    source, target = _folder("cae", images, 0), _folder("cae", images, 1)
    if how == "copy":
        shutil.copytree(source, target)
    else:
        target.symlink_to(source, target_is_directory=True)
    with pytest.warns(UserWarning, match="holds another training: seed 0 where 1 was asked"):
        seed1 = runner.run("cae-ward", "mnist-test", 1, "quick", verbose=False)
    assert seed1.autoencoder["losses"] != seed0.autoencoder["losses"]
    assert seed1.autoencoder["source"] == "trained"
    (aside,) = (sandbox / "cache" / "set-aside").iterdir()  # kept, not deleted
    assert aside.name.startswith(target.name) and (aside / "codes.npy").exists()
    assert json.loads((target / "key.json").read_text())["seed"] == 1
    assert json.loads((source / "key.json").read_text())["seed"] == 0  # the original untouched


def test_a_folder_without_its_record_is_not_trusted(sandbox, images):
    runner.run("cae-kmeans", "mnist-test", 0, "quick", verbose=False)
    folder = _folder("cae", images, 0)
    (folder / "key.json").unlink()
    assert not training_cache.is_cached("cae", images, QUICK, 0)
    with pytest.warns(UserWarning, match="records no training key"):
        _, info = trainings.trained_codes("cae", images, QUICK, 0, "cpu", progress=False)
    assert info["source"] == "trained"


# 2 result files that cannot lie quietly --------------------------------------

def _edit_result(path: Path, edit) -> None:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True))


def _reseal(data):  # an edit that also forges the integrity record: the ranges still catch it
    from caeward.experiments.results import canonical_sha256
    data["integrity"] = {"sha256": canonical_sha256(data)}


@pytest.mark.parametrize("edit, says", [
    (lambda d: d["metrics"].update(acc=d["metrics"]["acc"] + 0.001), "fails its integrity check"),
    (lambda d: d.pop("integrity"), "no integrity record"),
    (lambda d: (d["metrics"].update(acc=9.2665), _reseal(d)), "metric acc is 9.2665"),
    (lambda d: d["metrics"].update(acc=float("nan")), "NaN is not a number"),
    (lambda d: (d["metrics"].update(nmi="0.2665"), _reseal(d)), "metric nmi is '0.2665'"),
    (lambda d: (d["metrics"].pop("acc"), _reseal(d)), "metric acc is None"),
    (lambda d: (d.update(seed=True), _reseal(d)), "wrong type: ['seed']"),
    (lambda d: (d.update(method="pixels-magic"), _reseal(d)), "unknown method"),
])
def test_an_edited_or_invalid_result_is_flagged_in_one_line_and_not_counted(sandbox, capsys, edit, says):
    for seed in (0, 1):
        runner.run("pixels-kmeans", "mnist-test", seed, "quick", verbose=False)
    path = result_path("pixels-kmeans", "mnist-test", 1, "quick")
    _edit_result(path, edit)
    with pytest.warns(UserWarning, match="not counted"):
        assert [r.seed for r in load_results("quick")] == [0]
    assert main(["table", "--budget", "quick"]) == 0
    out, err = capsys.readouterr()
    assert says in err and str(path) in err and len(err.strip().splitlines()) == 1, err
    row = [line for line in out.splitlines() if "mnist-test" in line][0]
    assert " 1 " in f" {row} "  # one seed counted


def test_an_unreadable_result_blocks_no_other_run(sandbox, capsys):
    broken = result_path("sae-kmeans", "mnist-test", 0, "quick")
    broken.parent.mkdir(parents=True)
    broken.write_text("{ not json")
    assert main(["run", "--method", "pixels-kmeans", "--dataset", "mnist-test", "--seed", "0"]) == 0
    result_path("pixels-kmeans", "mnist-test", 0, "quick").write_text("{ not json")
    # asking for it and another: the other is done, the bad one named, status not 0
    assert main(["run", "--method", "pixels-kmeans", "--dataset", "mnist-test", "--seed", "0", "1"]) == 2
    err = capsys.readouterr().err
    assert "pixels-kmeans / mnist-test / seed 0: not done" in err and "1 of 2 runs not done" in err
    assert result_path("pixels-kmeans", "mnist-test", 1, "quick").exists()


def test_every_committed_result_is_sealed_and_valid():
    from caeward.experiments.results import read_result
    files = sorted(p for p in (ROOT / "results").glob("full*/*/*/seed*.json"))
    assert len(files) > 100
    for path in files:
        read_result(path)  # raises on a missing or broken seal, or a value out of range


# 3 one seed, one number ------------------------------------------------------

def test_a_training_gives_the_same_codes_whatever_threads_the_process_has(sandbox, images, tmp_path):
    torch.set_num_threads(2)
    codes, info = trainings.trained_codes("cae", images, QUICK, 0, "cpu", progress=False)
    assert info["trained_on"]["threads"] == trainings.TRAINING_THREADS
    assert torch.get_num_threads() == 2  # restored after the training
    other = tmp_path / "other-cache"
    script = textwrap.dedent(f"""
        import numpy as np, torch
        torch.set_num_threads(1)  # as a campaign's worker
        from caeward.experiments import runner, trainings
        from caeward.experiments.settings import BUDGETS
        images = runner.load_dataset("mnist-test", "quick")[0]
        codes, _ = trainings.trained_codes("cae", images, BUDGETS["quick"], 0, "cpu", progress=False)
        np.save({str(tmp_path / 'codes.npy')!r}, codes)
    """)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True,
                   env={**os.environ, "CAEWARD_CACHE": str(other), "OMP_NUM_THREADS": "1"})
    assert np.load(tmp_path / "codes.npy").tobytes() == codes.tobytes()


# 4 requested work is done or reported ---------------------------------------

def test_a_closed_pipe_does_not_skip_requested_runs(sandbox):
    proc = subprocess.Popen([sys.executable, "-m", "caeward", "run", "--method", "pixels-kmeans", "--dataset",
                             "mnist-test", "--seed", "10", "11", "12"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT, env=os.environ.copy())
    proc.stdout.readline()  # `| head -1`
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 0, err
    assert "Traceback" not in err
    assert [r.seed for r in load_results("quick")] == [10, 11, 12]


def test_a_full_results_disk_keeps_the_result_and_says_so_in_one_line(sandbox, monkeypatch, capsys):
    import errno
    from caeward.experiments import results as results_module
    real = results_module.write_result

    def full_disk(result, replace=False, root=None):
        if root is None:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(result, replace, root)
    monkeypatch.setattr(runner, "write_result", full_disk)
    assert main(["run", "--method", "pixels-kmeans", "--dataset", "mnist-test", "--seed", "3"]) == 2
    err = capsys.readouterr().err
    assert "no space left on the device" in err and "Traceback" not in err
    kept = sandbox / "cache" / "unwritten-results" / "quick" / "pixels-kmeans" / "mnist-test" / "seed3.json"
    assert kept.exists() and str(kept) in err
    from caeward.experiments.results import read_result
    assert read_result(kept).seed == 3  # whole and sealed: move it into place by hand


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"),
                                     RuntimeError("[enforce fail at inline_container.cc:664] . unexpected pos "
                                                  "1024 vs 960")])
def test_a_full_cache_disk_is_one_line_naming_the_folder(sandbox, monkeypatch, capsys, failure):
    def full(*args, **kwargs):
        raise failure
    monkeypatch.setattr(trainings, "pretrain", full)
    assert main(["run", "--method", "cae-kmeans", "--dataset", "mnist-test", "--seed", "0"]) == 2
    err = capsys.readouterr().err
    assert "cannot write into the cache folder" in err and str(sandbox / "cache") in err
    assert len(err.strip().splitlines()) <= 2 and "Traceback" not in err


# 6 every setting is checked before work -------------------------------------

@pytest.mark.parametrize("setting, says", [
    ("quick=2", "CAEWARD_QUICK is '2'"),
    ("data=file", "is a file, not a folder"),
    ("cache=dangling", "is a link to nothing"),
    ("results=under-a-file", "is a file, not a folder"),
])
def test_a_setting_that_cannot_be_used_is_one_line_before_any_work(sandbox, monkeypatch, capsys, setting, says):
    name, value = setting.split("=")
    if name == "quick":
        monkeypatch.setenv("CAEWARD_QUICK", value)
    elif name == "data":
        (sandbox / "mnist").write_text("not a folder")
        monkeypatch.setenv("CAEWARD_DATA", str(sandbox / "mnist"))
    elif name == "cache":
        (sandbox / "gone").symlink_to(sandbox / "nowhere")
        monkeypatch.setenv("CAEWARD_CACHE", str(sandbox / "gone"))
    else:
        (sandbox / "plain").write_text("a file")
        monkeypatch.setenv("CAEWARD_RESULTS", str(sandbox / "plain" / "results"))
    _must_not_compute(monkeypatch)
    monkeypatch.setattr(runner, "load_mnist", lambda *a, **k: pytest.fail("data loaded before the check"))
    assert main(["run", "--method", "pixels-kmeans", "--dataset", "mnist-test"]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_quick_mode_takes_only_the_documented_values(monkeypatch):
    from caeward.experiments.settings import quick_mode
    for value, quick in [("1", True), ("TRUE", True), ("on", True), ("0", False), ("", False), ("off", False)]:
        monkeypatch.setenv("CAEWARD_QUICK", value)
        assert quick_mode() is quick
    monkeypatch.setenv("CAEWARD_QUICK", "2")
    with pytest.raises(ValueError, match="CAEWARD_QUICK"):
        quick_mode()


def test_an_unreachable_ray_address_fails_in_one_line_within_seconds(sandbox, capsys):
    import time
    start = time.monotonic()
    assert main(["campaign", "--method", "pixels-kmeans", "--dataset", "mnist-test", "--address",
                 "127.0.0.1:1", "--dry-run"]) == 2
    assert time.monotonic() - start < 60  # a bound on hanging, not a timing claim
    err = capsys.readouterr().err
    assert "cannot reach a Ray cluster at 127.0.0.1:1" in err and len(err.strip().splitlines()) == 1
