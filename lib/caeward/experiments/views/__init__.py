"""caeward.experiments.views: how the book shows the experiments' numbers.

Tables, figures and glued numbers, made from stored results and artefacts; nothing
here computes a result or trains. Its modules, by job:

*The book's conventions*

- :mod:`~caeward.experiments.views.book` -- one figure style, glued numbers, tables that
  fit the page;
- :mod:`~caeward.experiments.views.formatting` -- how a number is written: ``mean ± sd``,
  an sd alone, the paper's numbers, written one way everywhere.

*Chapters' tables and figures*

- :mod:`~caeward.experiments.views.results_tables` -- mean ± sd per method and data set
  beside the paper's (chapters 1, 2 and 4, the landing page);
- :mod:`~caeward.experiments.views.table1` -- Table 1 against the paper's (chapter 4);
- :mod:`~caeward.experiments.views.chapter_views` -- the tables and figures of chapters
  1-3, so that a chapter's cells show the idea;
- :mod:`~caeward.experiments.views.ablation_views` -- the ablation's tables and figures
  (chapter 5);
- :mod:`~caeward.experiments.views.manifold_views` -- UMAP's tables and figures
  (chapter 6).

*The appendix*

- :mod:`~caeward.experiments.views.ledger` -- which runs each chapter reads, with their
  provenance.

Importing the package imports none of them: a chapter imports what it shows, so that
``import caeward.experiments.views`` loads no plotting library.
"""
