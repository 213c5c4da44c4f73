"""A clustered folder's saved model places new images into its clusters.

``python -m caeward cluster`` writes ``DIR/model/``; ``python -m caeward assign`` reads it
(checked) and gives every new image the cluster of its nearest training image in the
recipe's representation.
"""

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from caeward import folder_cli
from caeward.files import VerificationError
from caeward.folder_model import FolderModel
from caeward.recipes import run_recipe


def _digits(side: int = 28):
    digits = load_digits()
    images = np.stack([np.asarray(Image.fromarray((d * 15).astype(np.uint8)).resize((side, side)),
                                  dtype=np.float32) / 255 for d in digits.images])
    return images, digits.target


@pytest.fixture(scope="module")
def digits():
    return _digits()


@pytest.mark.parametrize("recipe", ["pixels-ward", "hog-ward", "hog-umap-ward", "pixels-kmeans"])
def test_training_images_get_their_own_cluster_back(digits, recipe):
    images, _ = digits
    result = run_recipe(images[:300], recipe, n_clusters=10, seed=0)
    model = FolderModel.from_result(result, 28)
    assert np.array_equal(model.assign(images[:300]), result.labels)


def test_new_images_join_the_cluster_of_their_kind(digits):
    # HOG + Ward on 600 digits; each cluster stands for its majority digit, and 400 new
    # digits land in their digit's cluster five times as often as chance (1 in 10) and
    # more often than with the HOG features on the wrong principal axes
    images, truth = digits
    result = run_recipe(images[:600], "hog-ward", n_clusters=10, seed=0)
    model = FolderModel.from_result(result, 28)
    mapping = {c: np.bincount(truth[:600][result.labels == c]).argmax() for c in range(result.n_clusters)}
    placed = np.array([mapping[c] for c in model.assign(images[600:1000])])
    assert np.mean(placed == truth[600:1000]) > 0.5
    wrong = FolderModel(model.recipe, 28, model.features, model.labels,
                        (model.projection[0], model.projection[1][::-1].copy()))
    assert np.mean(np.array([mapping[c] for c in wrong.assign(images[600:1000])]) == truth[600:1000]) < \
        np.mean(placed == truth[600:1000])


def test_a_saved_model_assigns_the_same_and_refuses_changed_bytes(digits, tmp_path):
    images, _ = digits
    model = FolderModel.from_result(run_recipe(images[:200], "hog-ward", n_clusters=5, seed=1), 28)
    model.save(tmp_path / "model")
    again = FolderModel.load(tmp_path / "model")
    assert again.recipe == "hog-ward" and again.n_clusters == 5
    assert np.array_equal(again.assign(images[200:400]), model.assign(images[200:400]))
    arrays = tmp_path / "model" / "model.npz"
    data = bytearray(arrays.read_bytes())
    data[-10] ^= 0xFF
    arrays.write_bytes(bytes(data))
    with pytest.raises(VerificationError, match="SHA-256"):
        FolderModel.load(tmp_path / "model")
    with pytest.raises(FileNotFoundError, match="holds no saved model"):
        FolderModel.load(tmp_path)


def test_a_cae_recipe_saves_its_network(digits, tmp_path):
    images, _ = digits
    result = run_recipe(images[:64], "proposed-ward", n_clusters=3, steps=2, seed=0, device="cpu")
    FolderModel.from_result(result, 28).save(tmp_path / "model")
    again = FolderModel.load(tmp_path / "model")
    assert np.array_equal(again.assign(images[:64]), result.labels)


def test_images_of_another_side_are_refused(digits):
    images, _ = digits
    model = FolderModel.from_result(run_recipe(images[:50], "pixels-ward", n_clusters=2), 28)
    with pytest.raises(ValueError, match=r"shape \(n, 28, 28\)"):
        model.assign(images[:5, :14, :14])


def _folder(folder: Path, images, start: int, n: int) -> None:
    folder.mkdir(parents=True)
    for i in range(start, start + n):
        Image.fromarray(np.rint(images[i] * 255).astype(np.uint8)).save(folder / f"{i:04d}.png")


def test_cluster_then_assign_from_the_command_line(digits, tmp_path, capsys):
    images, _ = digits
    _folder(tmp_path / "old", images, 0, 120)
    _folder(tmp_path / "new", images, 0, 30)  # the first 30 again: they must land where they were
    assert folder_cli.main([str(tmp_path / "old"), "--out", str(tmp_path / "out"), "--k", "4",
                            "--recipe", "hog-ward"]) == 0
    assert (tmp_path / "out" / "model" / "model.json").exists()
    assert folder_cli.assign_main([str(tmp_path / "out" / "model"), str(tmp_path / "new"),
                                   "--out", str(tmp_path / "placed")]) == 0
    with open(tmp_path / "out" / "labels.csv") as f:
        before = {row["path"]: row["cluster"] for row in csv.DictReader(f)}
    with open(tmp_path / "placed" / "labels.csv") as f:
        placed = {row["path"]: row["cluster"] for row in csv.DictReader(f)}
    assert len(placed) == 30 and all(before[path] == cluster for path, cluster in placed.items())
    assert "30 images placed into clusters" in capsys.readouterr().out


def test_assign_refuses_a_changed_model_in_one_line(digits, tmp_path, capsys):
    images, _ = digits
    _folder(tmp_path / "old", images, 0, 60)
    folder_cli.main([str(tmp_path / "old"), "--out", str(tmp_path / "out"), "--k", "3", "--recipe", "pixels-ward"])
    (tmp_path / "out" / "model" / "model.json").write_text("{}")
    capsys.readouterr()
    assert folder_cli.assign_main([str(tmp_path / "out" / "model"), str(tmp_path / "old"),
                                   "--out", str(tmp_path / "placed")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("caeward assign: error: cannot use the model")
    assert not (tmp_path / "placed").exists()
