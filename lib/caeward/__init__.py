"""caeward: deep convolutional autoencoders + Ward agglomerative clustering.

The library behind the book that reproduces Park & Ko, *Agglomerative Hierarchical
Clustering Analysis with Deep Convolutional Autoencoders* (2020). Modules:

- :mod:`caeward.data` -- MNIST, offline-first and verified (chapter 1)
- :mod:`caeward.metrics` -- ACC, NMI, ARI (chapter 1)
- :mod:`caeward.cluster` -- k-means, Ward and other linkages, cuts (chapters 1, 3)
- :mod:`caeward.budget` -- quick and full budgets (chapter 1)
- :mod:`caeward.models` -- SAE, DCEC's CAE, the deeper CAE, skip connections (chapters 2, 5)
- :mod:`caeward.anatomy` -- layer tables, where a local error's gradient goes (chapter 2)
- :mod:`caeward.train` -- pretraining with resumable checkpoints (chapter 2)
- :mod:`caeward.dec` -- DEC, IDEC, DCEC self-training (chapter 4)
- :mod:`caeward.embeddings` -- named autoencoders and their cached codes (chapters 2, 4, 5)
- :mod:`caeward.manifold` -- UMAP between the codes and the clustering (chapter 6)
- :mod:`caeward.methods` -- the registry of Table 1 methods and ablation variants (chapters 4, 5)
- :mod:`caeward.experiment` -- the runner and its results (chapters 1, 4)
- :mod:`caeward.estimate` -- how long missing runs will take, from stored timings (chapters 4, 5, 6)
- :mod:`caeward.estimator` -- ``CAEWard``, the method for your own images (chapter 4)
- :mod:`caeward.runtime` -- seeding, device, versions (every chapter's setup cell)
"""

__version__ = "0.1.0"
__all__ = ["CAEWard"]


def __getattr__(name):
    # Imported on first use, so that `import caeward.metrics` does not load torch.
    if name == "CAEWard":
        from .estimator import CAEWard
        return CAEWard
    raise AttributeError(f"module 'caeward' has no attribute {name!r}")
