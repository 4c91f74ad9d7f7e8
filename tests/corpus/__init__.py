"""Fidelity corpus (issue 11): township workbooks as clerks make them, with what must be read.

- :mod:`tests.corpus.layout` lays tables out row by row (sections, merged 所属党组织, 小计/合计,
  repeated headers, example rows, hidden rows and columns, several tables on one sheet);
- :mod:`tests.corpus.expect` restates SPEC §2–3 (marks, "none" words, six-star rubric) and the
  shape of an expected outcome, independently of branchctl;
- :mod:`tests.corpus.cases` holds the cases; ``all_cases()`` builds them.

Used by tests/test_fidelity.py, which runs the command line on every case in every format.
"""
