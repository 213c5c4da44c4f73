"""caeward: deep convolutional autoencoders + Ward agglomerative clustering.

The library behind the book that reproduces Park & Ko, *Agglomerative Hierarchical
Clustering Analysis with Deep Convolutional Autoencoders* (2020). Modules:

- :mod:`caeward.data` -- MNIST, offline-first and verified (chapter 1)
- :mod:`caeward.metrics` -- ACC, NMI, ARI (chapter 1)
- :mod:`caeward.cluster` -- k-means, Ward and other linkages, cuts (chapters 1, 3)
- :mod:`caeward.budget` -- quick and full budgets (chapter 1)
- :mod:`caeward.experiment` -- the runner and its results (chapters 1, 4)
- :mod:`caeward.runtime` -- seeding, device, versions (every chapter's setup cell)
"""

__version__ = "0.1.0"
