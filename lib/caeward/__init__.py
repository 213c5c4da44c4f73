"""caeward: deep convolutional autoencoders + Ward agglomerative clustering.

The library behind the book that reproduces Park & Ko, *Agglomerative Hierarchical
Clustering Analysis with Deep Convolutional Autoencoders* (2020). It has two layers.

**The method** -- this package, what a practitioner imports to cluster images, by job:

*Clustering your images*

- :mod:`caeward.estimator` -- ``CAEWard``, the whole method behind one estimator (chapter 4):
  ``fit``, ``labels_``, ``linkage_``, ``predict``, ``save``/``load``
- :mod:`caeward.saved_model` -- a fitted ``CAEWard`` in a folder, verified, no pickles
- :mod:`caeward.folder_model` -- a clustered folder's model: new images into its clusters
- :mod:`caeward.recipes` -- the recipes (pixels, HOG, codes; k-means, Ward, UMAP + Ward)
  and the ``auto`` policy by folder size that chapter 8 measures
- :mod:`caeward.folder`, :mod:`caeward.report`, :mod:`caeward.folder_cli` -- a folder of
  image files read, clustered and reported: ``python -m caeward cluster`` (chapter 8)

*The autoencoders*

- :mod:`caeward.models` -- SAE, DCEC's CAE, the deeper CAE, skip connections (chapters 2, 5)
- :mod:`caeward.train` -- pretraining with verified, resumable checkpoints (chapter 2)
- :mod:`caeward.train_batched` -- several seeds of one autoencoder trained as one batched
  network (the campaign's CPU and GPU runs)
- :mod:`caeward.dec` -- DEC, IDEC, DCEC self-training (chapter 4)
- :mod:`caeward.anatomy` -- layer tables, where a local error's gradient goes (chapter 2)

*Trees and flat clusters*

- :mod:`caeward.cluster` -- k-means, Gaussian mixtures, Ward and other linkages as SciPy
  linkage matrices, cuts at k or at a height (chapters 1, 3)
- :mod:`caeward.ward_torch` -- exact Ward on the GPU (chapter 3)
- :mod:`caeward.cut` -- the one cut every pipeline uses: at k, at a height, or ``"auto"``
- :mod:`caeward.number_of_clusters` -- choosing k without labels: the dendrogram-gap rules
  (chapter 3) and eight criteria with the frozen rule (chapter 7)
- :mod:`caeward.manifold` -- UMAP between the codes and the clustering (chapter 6)
- :mod:`caeward.metrics` -- ACC, NMI, ARI (chapter 1); the tree's dendrogram and leaf purity

*Plumbing*

- :mod:`caeward.data` -- MNIST, offline-first and verified (chapter 1)
- :mod:`caeward.runtime`, :mod:`caeward.files` -- seeding, devices, versions; files
  written atomically and verified when read

Private helpers (``caeward._validation``: input checks the engines share) are not part
of the interface.

**The experiments** -- :mod:`caeward.experiments`, the book's machinery: budgets and
paths, the registry of autoencoders and methods, the store of trainings and their
codes, results and their provenance, the cost estimate and the runner behind
``python -m caeward`` (all but its ``cluster`` command, which is the method layer's),
and :mod:`caeward.experiments.views`, the tables and figures that show them in the
book. Its own docstring lists its modules by job. It builds on the method layer; the
method layer never imports it.
"""

__version__ = "0.1.0"
__all__ = ["CAEWard"]


def __getattr__(name):
    # Imported on first use, so that `import caeward.metrics` does not load torch.
    if name == "CAEWard":
        from .estimator import CAEWard
        return CAEWard
    raise AttributeError(f"module 'caeward' has no attribute {name!r}")
