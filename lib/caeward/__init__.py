"""caeward: deep convolutional autoencoders + Ward agglomerative clustering.

The library behind the book that reproduces Park & Ko, *Agglomerative Hierarchical
Clustering Analysis with Deep Convolutional Autoencoders* (2020). It has two layers.

**The method** -- this package, what a practitioner imports to cluster images:

- :mod:`caeward.estimator` -- ``CAEWard``, the whole method behind one estimator (chapter 4)
- :mod:`caeward.models` -- SAE, DCEC's CAE, the deeper CAE, skip connections (chapters 2, 5)
- :mod:`caeward.train` -- pretraining with verified, resumable checkpoints (chapter 2)
- :mod:`caeward.dec` -- DEC, IDEC, DCEC self-training (chapter 4)
- :mod:`caeward.cluster`, :mod:`caeward.ward_torch` -- k-means, Ward and other linkages,
  cuts; an exact Ward engine on the GPU (chapters 1, 3)
- :mod:`caeward.manifold` -- UMAP between the codes and the clustering (chapter 6)
- :mod:`caeward.number_of_clusters` -- choosing the number of clusters without labels
  (chapter 7)
- :mod:`caeward.metrics` -- ACC, NMI, ARI (chapter 1)
- :mod:`caeward.anatomy` -- layer tables, where a local error's gradient goes (chapter 2)
- :mod:`caeward.data` -- MNIST, offline-first and verified (chapter 1)
- :mod:`caeward.recipes` -- five recipes, pixels to codes, that chapter 8 measures
- :mod:`caeward.folder`, :mod:`caeward.report`, :mod:`caeward.folder_cli` -- a folder of
  image files read, clustered and reported: ``python -m caeward cluster`` (chapter 8)
- :mod:`caeward.runtime`, :mod:`caeward.files` -- seeding, devices, versions; files
  written atomically and verified when read

**The experiments** -- :mod:`caeward.experiments`, the book's machinery: budgets and
paths, the registry of autoencoders and methods, the store of trainings, results and
their tables, the cost estimate and the runner behind ``python -m caeward`` (all but
its ``cluster`` command, which is the method layer's). It builds on
the method layer; the method layer never imports it.
"""

__version__ = "0.1.0"
__all__ = ["CAEWard"]


def __getattr__(name):
    # Imported on first use, so that `import caeward.metrics` does not load torch.
    if name == "CAEWard":
        from .estimator import CAEWard
        return CAEWard
    raise AttributeError(f"module 'caeward' has no attribute {name!r}")
