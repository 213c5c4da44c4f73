"""caeward.runtime: seeding, and the commit a result records, with and without a git checkout."""

from caeward import runtime


def test_git_commit_reads_the_checkout(monkeypatch):
    monkeypatch.setenv("CAEWARD_SOURCE_COMMIT", "f" * 40)
    found = runtime.git_commit()  # this package lives in a git checkout: the env is not used
    assert len(found["commit"]) == 40 and found["commit"] != "f" * 40
    assert isinstance(found["dirty"], bool) and "commit_source" not in found


def test_git_commit_outside_a_checkout_uses_the_named_commit(tmp_path, monkeypatch):
    monkeypatch.delenv("CAEWARD_SOURCE_COMMIT", raising=False)
    assert runtime.git_commit(tmp_path) == {"commit": None, "dirty": None}
    monkeypatch.setenv("CAEWARD_SOURCE_COMMIT", "a" * 40)
    assert runtime.git_commit(tmp_path) == {"commit": "a" * 40, "dirty": False,
                                            "commit_source": "environment"}
    monkeypatch.setenv("CAEWARD_SOURCE_COMMIT", "b" * 40 + "-dirty")
    assert runtime.git_commit(tmp_path)["dirty"] is True


def test_seed_everything_makes_cudnn_deterministic(monkeypatch):
    # on a GPU a seed fixes a training only with cuDNN's deterministic algorithms
    import torch
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", False)
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", True)
    runtime.seed_everything(0)
    assert torch.backends.cudnn.deterministic is True
    assert torch.backends.cudnn.benchmark is False
