"""The archive: one SQLite file that remembers, period by period, the townships expected, every
submission with its findings and ratings, and the clerk's decisions (``branchctl archive``).

It stores plain data (findings as rows, ratings as rows); what they mean is decided above it,
in :mod:`branchctl.jobs.archive` and the history rules of :mod:`branchctl.rules.history`.
"""
