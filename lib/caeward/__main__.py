"""``python -m caeward``: ``cluster`` clusters a folder of images and ``assign`` places
new images into its clusters (:mod:`caeward.folder_cli`, the method layer); every other
command is the book's (:mod:`caeward.experiments.cli`)."""

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["cluster"]:
        from .folder_cli import main as cluster_main  # the practitioner's command needs no book machinery

        return cluster_main(argv[1:])
    if argv[:1] == ["assign"]:
        from .folder_cli import assign_main

        return assign_main(argv[1:])
    from .experiments.cli import main as book_main

    return book_main(argv)


if __name__ == "__main__":
    sys.exit(main())
