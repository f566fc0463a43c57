"""Where work runs: this process and its speech workers (``helpers``), a batch of articles
on one pool (``batch``), or a Dask cluster (``executors``, ``remote``). Every article that
fails, wherever it ran, comes back as one ``outcome.Failure``."""
