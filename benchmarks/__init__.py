"""`make bench`: the pipeline against the plain-load limit and the usual ways, on the same generated data."""
