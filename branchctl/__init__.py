"""branchctl: party-branch standardisation and star rating on Excel ledgers."""

__version__ = "0.1.0"
