"""``python -m caeward cluster``: a folder of images in, labels, sheets and a report out."""

import csv
import hashlib
import html
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from caeward import folder_cli
from caeward.folder import read_folder
from caeward.recipes import run_recipe

ROOT = Path(__file__).resolve().parents[1]


def _digit_folder(tmp_path: Path, n: int = 40) -> tuple[Path, set[str]]:
    """scikit-learn digits as PNG and JPEG files in subfolders, of unequal sizes, with a
    corrupt PNG and a text file among them; returns the folder and the readable paths."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    folder = tmp_path / "images"
    readable = set()
    for i in range(n):
        image = Image.fromarray((digits.images[i] * 15).astype(np.uint8)).resize((16 + i % 5, 20))
        relative = f"png/{i:02d}.png" if i % 2 else f"jpeg/deeper/{i:02d}.jpg"
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        image.save(folder / relative)
        readable.add(relative)
    (folder / "png" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    (folder / "notes.txt").write_text("not an image\n")
    return folder, readable


def _tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(path.relative_to(folder).as_posix().encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_the_command_labels_every_readable_image_and_leaves_the_folder_as_it_was(tmp_path):
    folder, readable = _digit_folder(tmp_path)
    before = _tree_hash(folder)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lib")}
    done = subprocess.run([sys.executable, "-m", "caeward", "cluster", str(folder), "--out", str(out),
                           "--k", "4", "--recipe", "hog-ward", "--steps", "5"], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _tree_hash(folder) == before
    with open(out / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["path"] for r in rows} == readable and len(rows) == len(readable)
    assert {int(r["cluster"]) for r in rows} == set(range(4))
    assert "png/corrupt.png" in done.stderr and "notes.txt" in done.stderr
    sheets = sorted(p.name for p in (out / "clusters").glob("*.png"))
    assert len(sheets) == 4
    page = (out / "report.html").read_text()
    linked = set(re.findall(r"src='clusters/([^']+)'", page))
    assert linked == set(sheets)
    assert "dendrogram.png" in page and (out / "dendrogram.png").stat().st_size > 0
    assert "png/corrupt.png" in page  # the skipped files are listed on the page too
    assert not list(out.rglob("*.part"))  # no temporary file left behind
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # nor a temporary folder


def test_the_function_gives_the_labels_of_its_recipe_on_the_images_it_read(tmp_path):
    folder, _ = _digit_folder(tmp_path, n=30)
    done = folder_cli.cluster_folder(folder, tmp_path / "out", k=3, recipe="pixels-ward", progress=False)
    read = read_folder(folder)
    expected = run_recipe(read.images, "pixels-ward", n_clusters=3).labels
    assert done.paths == read.paths
    np.testing.assert_array_equal(done.labels, expected)
    assert [p for p, _ in done.skipped] == ["notes.txt", "png/corrupt.png"]


def test_a_distance_threshold_cuts_the_tree_where_asked(tmp_path):
    folder, _ = _digit_folder(tmp_path, n=30)
    read = read_folder(folder)
    Z = run_recipe(read.images, "pixels-ward", n_clusters=1).linkage
    threshold = float((Z[-3, 2] + Z[-4, 2]) / 2)  # between the merges of 4 and 3 clusters
    done = folder_cli.cluster_folder(folder, tmp_path / "out", k=None, distance_threshold=threshold,
                                     recipe="pixels-ward", progress=False)
    assert done.result.n_clusters == 4


def test_read_folder_keeps_the_aspect_by_padding_with_the_border_grey(tmp_path):
    wide = np.full((10, 40), 255, np.uint8)
    wide[3:7, 5:35] = 0  # a black bar on white, four times wider than high
    (tmp_path / "in").mkdir()
    Image.fromarray(wide).save(tmp_path / "in" / "bar.png")
    image = read_folder(tmp_path / "in", side=28).images[0]
    assert image.shape == (28, 28)
    rows_with_ink = np.flatnonzero(image.min(axis=1) < 0.5)
    assert 2 <= len(rows_with_ink) <= 4  # 4 of 10 rows, scaled by 28/40
    assert rows_with_ink.min() > 9 and rows_with_ink.max() < 18  # centred
    assert np.all(image[:8] == 1.0) and np.all(image[-8:] == 1.0)  # padded with the border's white


def _one_line_exit_2(argv, capsys):
    status = folder_cli.main(argv)
    # the reading's progress bar may come first; the message is one line of its own
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip() and "reading" not in line]
    return status, err


@pytest.mark.parametrize("case", ["missing folder", "no images", "out inside folder", "out under a file",
                                  "more clusters than images", "side too small for the CAE"])
def test_bad_input_is_one_line_and_exit_2_before_any_work(tmp_path, capsys, case):
    folder, readable = _digit_folder(tmp_path, n=6)
    (tmp_path / "empty").mkdir()
    (tmp_path / "a-file").write_text("x")
    out = tmp_path / "out"
    argv = {"missing folder": [str(tmp_path / "nowhere"), "--out", str(out)],
            "no images": [str(tmp_path / "empty"), "--out", str(out)],
            "out inside folder": [str(folder), "--out", str(folder / "clusters")],
            "out under a file": [str(folder), "--out", str(tmp_path / "a-file" / "out")],
            "more clusters than images": [str(folder), "--out", str(out), "--k", "7"],
            "side too small for the CAE": [str(folder), "--out", str(out), "--side", "10",
                                           "--recipe", "proposed-ward"]}[case]
    before = _tree_hash(folder)
    status, err = _one_line_exit_2(argv, capsys)
    assert status == 2
    assert len(err) == 1 and err[0].startswith("caeward cluster: error:")
    assert not out.exists() and not (folder / "clusters").exists()
    assert _tree_hash(folder) == before


def test_k_auto_takes_the_folder_rule_and_says_how_sure_it_is(tmp_path):
    from caeward.number_of_clusters import choose_k_with_margin
    from caeward.report import k_choice_sentence

    folder, _ = _digit_folder(tmp_path, n=30)
    done = folder_cli.cluster_folder(folder, tmp_path / "out", k="auto", recipe="pixels-ward", progress=False)
    pixels = read_folder(folder).images.reshape(30, -1)
    expected = choose_k_with_margin(pixels, k_max=14, random_state=0)  # 30 // 2 - 1
    assert done.result.n_clusters == expected.k == len(set(done.labels.tolist()))
    page = (tmp_path / "out" / "report.html").read_text()
    assert html.escape(k_choice_sentence(expected)) in page
    assert ("plausible" in page) != expected.decided
    # the evidence: both scores for every candidate k, in a table
    table = page.split("How k was chosen", 1)[1].split("</table>", 1)[0]
    candidates = [int(k) for k in re.findall(r"<tr[^>]*><td>(\d+)</td>", table)]
    assert candidates == list(range(2, 15)) and "prediction strength" in table and "silhouette" in table
