"""``python -m caeward cluster``'s output: whole or absent, and what it shows.

DIR is written into a hidden folder beside it and moved into place at the end, so no
failure (a full disk, a file in the way, Ctrl-C) loses a user's file or leaves a half
output; names, image depths and hidden files are read and reported as they are; the
checks at the start refuse what the recipe would fail on; the report shows how k was
chosen, the representative images first, and a map.
"""

import csv
import errno
import hashlib
import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from caeward import folder_cli, report
from caeward.cut import auto_min_samples
from caeward.folder import read_folder, to_square_grey
from caeward.manifold import UMAPSettings
from caeward.number_of_clusters import KChoice
from caeward.recipes import choose_recipe


def _images(folder: Path, n: int, side: int = 16, start: int = 0) -> list[str]:
    """``n`` scikit-learn digits as ``side``-pixel PNGs in ``folder`` (two subfolders);
    returns their relative paths."""
    from sklearn.datasets import load_digits

    digits = load_digits().images
    paths = []
    for i in range(start, start + n):
        relative = f"{'even' if i % 2 == 0 else 'odd'}/{i:03d}.png"
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray((digits[i] * 15).astype(np.uint8)).resize((side, side)).save(folder / relative)
        paths.append(relative)
    return paths


def _tree(folder: Path) -> dict:
    """Every entry under ``folder``: its relative path and its bytes' digest (None: a folder)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
            for p in sorted(folder.rglob("*"))}


def _hidden_beside(out: Path) -> list[str]:
    return [p.name for p in out.parent.iterdir() if p.name.startswith(".")]


def _run(argv, capsys):
    """``main(argv)``'s status and its stderr lines, without the progress bars."""
    try:
        status = folder_cli.main([str(a) for a in argv])
    except KeyboardInterrupt:  # caught here, or pytest would stop the whole session
        pytest.fail("Ctrl-C escaped the command as a traceback")
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip() and "reading" not in line]
    return status, err


def _previous_output(tmp_path: Path, folder: Path) -> Path:
    """A finished output of ``--k 6`` with a user's file added to it."""
    out = tmp_path / "out"
    folder_cli.cluster_folder(folder, out, k=6, recipe="pixels-ward", side=16, progress=False)
    (out / "my-notes.txt").write_text("mine\n")
    return out


# --- 1. output never loses a user's file ------------------------------------------


def test_a_folder_with_files_in_it_is_refused_without_overwrite(tmp_path, capsys):
    folder = tmp_path / "images"
    _images(folder, 12)
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work\n")
    before = _tree(out)
    status, err = _run([folder, "--out", out, "--k", "3", "--recipe", "pixels-ward", "--side", "16"], capsys)
    assert status == 2 and len(err) == 1 and err[0].startswith("caeward cluster: error:")
    assert "--overwrite" in err[0]
    assert _tree(out) == before and _hidden_beside(out) == []


def test_an_empty_folder_is_taken_as_the_output(tmp_path, capsys):
    folder = tmp_path / "images"
    _images(folder, 12)
    out = tmp_path / "out"
    out.mkdir()
    status, _ = _run([folder, "--out", out, "--k", "3", "--recipe", "pixels-ward", "--side", "16"], capsys)
    assert status == 0 and (out / "report.html").is_file() and _hidden_beside(out) == []


def test_overwrite_replaces_the_whole_output_so_no_stale_sheet_is_left(tmp_path, capsys):
    folder = tmp_path / "images"
    _images(folder, 24)
    out = tmp_path / "out"
    assert _run([folder, "--out", out, "--k", "10", "--recipe", "pixels-ward", "--side", "16"], capsys)[0] == 0
    assert len(list((out / "clusters").glob("cluster-*.png"))) == 10
    (out / "old-notes.txt").write_text("from before\n")
    status, _ = _run([folder, "--out", out, "--k", "3", "--recipe", "pixels-ward", "--side", "16",
                      "--overwrite"], capsys)
    assert status == 0
    assert sorted(p.name for p in (out / "clusters").iterdir()) == [f"cluster-0{c}.png" for c in range(3)]
    assert not (out / "old-notes.txt").exists()
    assert _hidden_beside(out) == []  # neither the new output's folder nor the old one's


def test_overwrite_never_deletes_the_images_folder_it_holds(tmp_path, capsys):
    folder = tmp_path / "images"
    _images(folder, 12)
    before = _tree(tmp_path)
    status, err = _run([folder, "--out", tmp_path, "--k", "3", "--recipe", "pixels-ward", "--side", "16",
                        "--overwrite"], capsys)
    assert status == 2 and len(err) == 1 and "holds the images' folder" in err[0]
    assert _tree(tmp_path) == before


def test_missing_parent_folders_are_made_and_removed_again_on_failure(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "images"
    _images(folder, 12)
    out = tmp_path / "a" / "b" / "out"

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(report, "write_report", no_space)
    status, err = _run([folder, "--out", out, "--k", "3", "--recipe", "pixels-ward", "--side", "16"], capsys)
    assert status == 2 and len(err) == 1
    assert not (tmp_path / "a").exists()


# --- 2. every write failure is one line and exit 2, and DIR as it was ---------------


def _options(before: str, where: str) -> list[str]:
    return (["--overwrite"] if before == "an old output" else []) + (["--copy"] if where == "copy" else [])


@pytest.mark.parametrize("where", ["labels", "sheets", "report", "copy"])
@pytest.mark.parametrize("before", ["no output", "an old output"])
def test_a_full_disk_is_one_line_and_leaves_out_as_it_was(tmp_path, capsys, monkeypatch, where, before):
    folder = tmp_path / "images"
    _images(folder, 12)
    out = _previous_output(tmp_path, folder) if before == "an old output" else tmp_path / "out"
    tree = _tree(out) if out.exists() else None

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    target = {"labels": (report, "write_labels"), "sheets": (report, "write_contact_sheets"),
              "report": (report, "write_report"), "copy": (shutil, "copy2")}[where]
    monkeypatch.setattr(*target, no_space)
    status, err = _run([folder, "--out", out, "--k", "3", "--recipe", "pixels-ward", "--side", "16",
                        *_options(before, where)], capsys)
    assert status == 2 and len(err) == 1 and err[0].startswith("caeward cluster: error:")
    assert "no space left" in err[0] and "nothing was written" in err[0]
    assert (_tree(out) if out.exists() else None) == tree and _hidden_beside(out) == []


@pytest.mark.parametrize("case", ["out is a file", "parent is a file"])
def test_a_file_in_the_way_is_one_line_and_left_as_it_was(tmp_path, capsys, case):
    folder = tmp_path / "images"
    _images(folder, 12)
    (tmp_path / "a-file").write_text("keep me\n")
    out = tmp_path / "a-file" if case == "out is a file" else tmp_path / "a-file" / "out"
    status, err = _run([folder, "--out", out, "--k", "3", "--recipe", "pixels-ward", "--side", "16",
                        "--overwrite"], capsys)
    assert status == 2 and len(err) == 1 and "is a file" in err[0]
    assert (tmp_path / "a-file").read_text() == "keep me\n" and _hidden_beside(tmp_path / "a-file") == []


def test_a_file_put_in_the_way_while_it_runs_is_left_as_it_was(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "images"
    _images(folder, 12)
    out = tmp_path / "out"
    run_recipe = folder_cli.run_recipe

    def and_a_file_appears(*args, **kwargs):  # the run may take hours; someone makes a file there
        out.write_text("made meanwhile\n")
        return run_recipe(*args, **kwargs)

    monkeypatch.setattr(folder_cli, "run_recipe", and_a_file_appears)
    status, err = _run([folder, "--out", out, "--k", "3", "--recipe", "pixels-ward", "--side", "16"], capsys)
    assert status == 2 and len(err) == 1 and "nothing was written" in err[0]
    assert out.read_text() == "made meanwhile\n" and _hidden_beside(out) == []


def test_files_put_in_an_empty_out_while_it_runs_are_kept(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "images"
    _images(folder, 12)
    out = tmp_path / "out"
    out.mkdir()
    run_recipe = folder_cli.run_recipe

    def and_a_file_arrives(*args, **kwargs):
        (out / "new.txt").write_text("arrived meanwhile\n")
        return run_recipe(*args, **kwargs)

    monkeypatch.setattr(folder_cli, "run_recipe", and_a_file_arrives)
    status, err = _run([folder, "--out", out, "--k", "3", "--recipe", "pixels-ward", "--side", "16"], capsys)
    assert status == 2 and len(err) == 1
    assert _tree(out) == {"new.txt": hashlib.sha256(b"arrived meanwhile\n").hexdigest()}


@pytest.mark.parametrize("where", ["reading", "clustering", "sheets", "map", "report", "copy"])
@pytest.mark.parametrize("before", ["no output", "an old output"])
def test_ctrl_c_anywhere_writes_nothing_and_says_so(tmp_path, capsys, monkeypatch, where, before):
    folder = tmp_path / "images"
    _images(folder, 12)
    out = _previous_output(tmp_path, folder) if before == "an old output" else tmp_path / "out"
    tree = _tree(out) if out.exists() else None

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    target = {"reading": (folder_cli.folder_reading, "read_folder"), "clustering": (folder_cli, "run_recipe"),
              "sheets": (report, "write_contact_sheets"), "map": (report, "write_map"),
              "report": (report, "write_report"), "copy": (shutil, "copy2")}[where]
    monkeypatch.setattr(*target, ctrl_c)
    status, err = _run([folder, "--out", out, "--k", "3", "--recipe", "pixels-ward", "--side", "16",
                        *_options(before, where)], capsys)
    assert status == 2 and err == ["caeward cluster: error: interrupted: nothing was written"]
    assert (_tree(out) if out.exists() else None) == tree
    assert _hidden_beside(out) == []


def test_ctrl_c_is_still_a_keyboard_interrupt_for_python_callers(tmp_path, monkeypatch):
    folder = tmp_path / "images"
    _images(folder, 12)

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "write_report", ctrl_c)
    with pytest.raises(KeyboardInterrupt, match="nothing was written"):
        folder_cli.cluster_folder(folder, tmp_path / "out", k=3, recipe="pixels-ward", side=16, progress=False)
    assert not (tmp_path / "out").exists() and _hidden_beside(tmp_path / "out") == []


def test_a_folder_a_killed_run_left_is_removed_by_the_next(tmp_path):
    folder = tmp_path / "images"
    _images(folder, 12)
    out = tmp_path / "out"
    dead = 2**22 + 12345  # above Linux's default pid_max: no such process
    stale = out.parent / f"{folder_cli._sibling_prefix(out, 'new')}{dead}-abcd"
    (stale / "clusters").mkdir(parents=True)
    folder_cli.cluster_folder(folder, out, k=3, recipe="pixels-ward", side=16, progress=False)
    assert _hidden_beside(out) == []


# --- 3. file names UTF-8 cannot hold ----------------------------------------------


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux takes any bytes in a file name")
def test_names_utf8_cannot_hold_are_escaped_in_the_labels_and_the_report(tmp_path, capsys):
    folder = tmp_path / "images"
    _images(folder, 11)
    raw = os.fsencode(folder) + b"/bad\xff.png"
    fd = os.open(raw, os.O_WRONLY | os.O_CREAT, 0o644)
    with os.fdopen(fd, "wb") as f:
        Image.fromarray(np.full((16, 16), 128, np.uint8)).save(f, format="PNG")
    os.close(os.open(os.fsencode(folder) + b"/broken\xfe.txt", os.O_WRONLY | os.O_CREAT, 0o644))  # skipped
    out = tmp_path / "out"
    status, err = _run([folder, "--out", out, "--k", "3", "--recipe", "pixels-ward", "--side", "16"], capsys)
    assert status == 0, err
    with open(out / "labels.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 12 and "bad\\xff.png" in {r["path"] for r in rows}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "could not be written in UTF-8" in page and "bad\\xff.png" in page and "broken\\xfe.txt" in page


# --- 4. image depths ----------------------------------------------------------------


def test_a_16_bit_png_reads_at_its_true_grey(tmp_path):
    rng = np.random.default_rng(0)
    grey = np.clip(rng.normal(0.3, 0.05, (28, 28)), 0, 1)
    Image.fromarray(np.round(grey * 65535).astype(np.uint16)).save(tmp_path / "deep.png")
    with Image.open(tmp_path / "deep.png") as image:
        assert image.mode in ("I;16", "I")  # what Pillow opens a 16-bit grey PNG as
        read = to_square_grey(image, 16)
    assert read.dtype == np.float32 and read.shape == (16, 16)
    assert abs(read.mean() - grey.mean()) <= 0.01


def test_float_tiffs_in_0_1_are_read_as_they_are_others_skipped_with_a_reason(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    Image.fromarray(np.full((16, 16), 0.25, np.float32)).save(folder / "a.tif")
    Image.fromarray(np.full((16, 16), 300.0, np.float32)).save(folder / "b.tif")
    read = read_folder(folder, side=16)
    assert read.paths == ["a.tif"] and np.allclose(read.images[0], 0.25, atol=1e-6)
    [(path, why)] = read.skipped
    assert path == "b.tif" and "[0, 1]" in why and "\n" not in why


def test_8_bit_images_read_as_before(tmp_path):
    pixels = np.random.default_rng(1).integers(0, 256, (20, 13)).astype(np.uint8)
    read = to_square_grey(Image.fromarray(pixels, "L"), 16)
    assert read.dtype == np.float32 and np.all(np.round(read * 255) == read * 255)  # still 8-bit steps


# --- 5. hidden files are counted --------------------------------------------------


def test_hidden_entries_are_counted_and_the_report_says_so(tmp_path, capsys):
    folder = tmp_path / "images"
    _images(folder, 12)
    (folder / ".DS_Store").write_bytes(b"\0\0")
    (folder / ".git" / "objects").mkdir(parents=True)
    (folder / ".git" / "objects" / "a.png").write_bytes(b"x")
    (folder / "even" / ".thumb.png").write_bytes(b"x")
    done = folder_cli.cluster_folder(folder, tmp_path / "out", k=3, recipe="pixels-ward", side=16, progress=False)
    assert done.hidden == 3 and done.skipped == [] and len(done.paths) == 12
    page = (tmp_path / "out" / "report.html").read_text()
    assert "3 hidden entries were left out" in page
    assert "<p>None.</p>" not in page


# --- 6. checks at the start ---------------------------------------------------------


class _Reached(Exception):
    """The recipe was about to run: every check at the start passed."""


def _reached(*args, **kwargs):
    raise _Reached


@pytest.mark.parametrize("case", ["auto recipe", "umap recipe", "k auto without umap", "k auto with umap"])
def test_too_few_images_are_refused_before_the_recipe_runs_with_the_true_minimum(tmp_path, capsys, monkeypatch,
                                                                                 case):
    # the auto recipe on so few images is Ward on HOG (no UMAP): it is --k auto that needs 22
    recipe, k = {"auto recipe": ("auto", "auto"), "umap recipe": ("pixels-umap-ward", "3"),
                 "k auto without umap": ("pixels-ward", "auto"), "k auto with umap": ("hog-umap-ward", "auto")}[case]
    need = auto_min_samples() if k == "auto" else UMAPSettings().n_neighbors + 2
    assert need == 22  # 20 neighbours: more than 21 points
    monkeypatch.setattr(folder_cli, "run_recipe", _reached)
    folder = tmp_path / "images"
    _images(folder, need - 1)
    status, err = _run([folder, "--out", tmp_path / "out", "--k", k, "--recipe", recipe, "--side", "16"], capsys)
    assert status == 2 and len(err) == 1 and f"at least {need}" in err[0] and f"{need - 1} images" in err[0]
    resolved = choose_recipe(need - 1) if recipe == "auto" else recipe
    assert ("UMAP" in err[0]) == ("umap" in resolved)
    if k == "auto":
        assert "--k auto" in err[0]  # it is the choice of k that needs them
    assert not (tmp_path / "out").exists()
    _images(folder, 1, start=need - 1)  # one more, and the checks pass
    with pytest.raises(_Reached):
        folder_cli.cluster_folder(folder, tmp_path / "out", k=k if k == "auto" else 3, recipe=recipe, side=16,
                                  progress=False)


def test_a_side_the_auto_recipe_cannot_take_is_refused_before_it_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(folder_cli, "run_recipe", _reached)
    folder = tmp_path / "images"
    _images(folder, 25)
    status, err = _run([folder, "--out", tmp_path / "out", "--k", "3", "--side", "3"], capsys)
    assert status == 2 and len(err) == 1 and "at least 4" in err[0] and "auto" in err[0]


# --- 7. --copy --------------------------------------------------------------------------


def test_copy_puts_a_copy_of_each_image_under_its_cluster(tmp_path, capsys):
    folder = tmp_path / "images"
    paths = _images(folder, 12)
    (folder / "notes.txt").write_text("not an image\n")
    before = _tree(folder)
    out = tmp_path / "out"
    status, _ = _run([folder, "--out", out, "--k", "3", "--recipe", "pixels-ward", "--side", "16", "--copy"], capsys)
    assert status == 0 and _tree(folder) == before  # copied, never moved
    with open(out / "labels.csv", newline="") as f:
        labels = {r["path"]: int(r["cluster"]) for r in csv.DictReader(f)}
    copies = sorted(p.relative_to(out / "files").as_posix() for p in (out / "files").rglob("*") if p.is_file())
    assert copies == sorted(f"cluster-{labels[p]:02d}/{p}" for p in paths)
    for p in paths:
        assert (out / "files" / f"cluster-{labels[p]:02d}" / p).read_bytes() == (folder / p).read_bytes()
    assert "href='files/'" in (out / "report.html").read_text()


def test_without_copy_there_is_no_files_folder(tmp_path):
    folder = tmp_path / "images"
    _images(folder, 12)
    done = folder_cli.cluster_folder(folder, tmp_path / "out", k=3, recipe="pixels-ward", side=16, progress=False)
    assert not done.copied and not (tmp_path / "out" / "files").exists()


# --- 8. the report --------------------------------------------------------------------


def test_the_report_shows_the_rule_s_score_per_candidate_k_and_the_k_chosen(tmp_path):
    ks = np.arange(2, 7)
    strength = np.array([0.95, 0.91, 0.83, 0.42, np.nan])
    choice = KChoice(k=4, rule="prediction_strength", space="umap", ks=ks, scores={"prediction_strength": strength},
                     choices={"prediction_strength": 4}, n_points=50, n_used=50, settings={"threshold": 0.8})
    report.write_report(tmp_path / "report.html", folder_name="f", recipe="pixels-ward", recipe_text="t",
                        settings={}, counts=[10, 20, 10, 10], sheets=[], seconds=1.0, dendrogram=None,
                        skipped=[], k_choice=choice)
    page = (tmp_path / "report.html").read_text()
    table = page.split("How k was chosen", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr([^>]*)><td>(\d+)</td><td>([^<]+)</td></tr>", table)
    assert [(int(k), score) for _, k, score in rows] == [(2, "0.950"), (3, "0.910"), (4, "0.830"), (5, "0.420"),
                                                         (6, "&ndash;")]
    assert [int(k) for bold, k, _ in rows if bold] == [4]  # the k chosen stands out
    assert "<b>k = 4</b>" in table and "reaches 0.8" in table


def test_representative_order_puts_the_members_nearest_the_mean_first():
    points = np.array([[0.0], [10.0], [4.0], [100.0], [6.0], [101.0]])
    labels = np.array([0, 0, 0, 1, 0, 1])
    order = report.representative_order(points, labels)  # cluster 0's mean is 5
    assert order[0].tolist() == [2, 4, 0, 1] and order[1].tolist() == [3, 5]


def test_each_sheet_shows_its_most_representative_image_first(tmp_path):
    folder = tmp_path / "images"
    _images(folder, 20, side=28)
    done = folder_cli.cluster_folder(folder, tmp_path / "out", k=2, recipe="pixels-ward", side=28, progress=False)
    images = read_folder(folder, side=28).images
    moved = 0
    for c in range(2):
        members = np.flatnonzero(done.labels == c)
        points = done.result.points[members]
        nearest = members[np.argmin(np.linalg.norm(points - points.mean(axis=0), axis=1))]
        moved += nearest != members[0]
        sheet = np.asarray(Image.open(tmp_path / "out" / "clusters" / f"cluster-0{c}.png"))
        first = sheet[26:26 + 56:2, 2:2 + 56:2]  # the first thumbnail, at its own size again
        np.testing.assert_array_equal(first, np.round(255 * images[nearest]).astype(np.uint8))
    assert moved  # else the order by path would pass this test too


def test_the_report_has_a_map_and_links_only_files_beside_it(tmp_path):
    folder = tmp_path / "images"
    _images(folder, 12)
    out = tmp_path / "out"
    folder_cli.cluster_folder(folder, out, k=3, recipe="pixels-kmeans", side=16, progress=False)
    with Image.open(out / "map.png") as image:
        assert image.format == "PNG" and min(image.size) > 200
    page = (out / "report.html").read_text()
    assert "src='map.png'" in page
    links = re.findall(r"(?:src|href)='([^']+)'", page)
    assert links and all(not re.match(r"[a-z]+:|/", link) for link in links)  # offline: relative links only
    assert all((out / link.split("#")[0]).exists() for link in links if not link.startswith("#"))


def test_the_map_takes_at_most_300_thumbnails(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((320, 8, 8)).astype(np.float32)
    shown = report.write_map(tmp_path / "map.png", images.reshape(320, -1), images, np.arange(320) % 3)
    assert shown == 300 and (tmp_path / "map.png").stat().st_size > 0
