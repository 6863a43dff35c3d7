"""Where a batch runs: in this process, in local worker processes
(core/batch.py, ``--jobs``), or on a Dask distributed cluster
(:mod:`budgetlint.executor.dask`, ``--executor dask``, extra ``budgetlint[dask]``)."""
