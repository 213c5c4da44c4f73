"""A bibliography listed by author and year, to match the author-year citations.

Sphinx extension, loaded through ``sphinx.local_extensions`` in ``_config.yml``: it
registers a pybtex style, ``author_year``, that labels each entry "[Ward, 1963]"
(first author's last name with its particle, "van der Maaten"; "and" for two
authors, "et al." for more; "a", "b" after the year when one author has two entries
of a year). Names are rendered from their LaTeX (``M{\\"u}llner`` as "Müllner").
Two papers whose in-text citations would read alike (Guo et al., 2017) carry their
letter in the bibliography's ``year`` field ("2017a", "2017b", in the list's order),
since the in-text citations read the year, not these labels.
"""

from collections import Counter

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _authors(entry) -> str:
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [Text.from_latex(" ".join(p.prelast_names + p.last_names)).render_as("text")
             for p in persons]
    if not names:
        return entry.key
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        plain = [f"{_authors(e)}, {e.fields.get('year', 'n.d.')}" for e in entries]
        repeats, seen = Counter(plain), Counter()
        for label in plain:
            if repeats[label] > 1:
                seen[label] += 1
                label += "abcdefghij"[seen[label] - 1]
            yield label


class AuthorYearStyle(PlainStyle):
    default_label_style = "author_year"
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", "author_year", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)
    return {"parallel_read_safe": True}
