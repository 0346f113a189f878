"""`make bench`: every benchmark, one table each."""

from bench import sandbox_list_jobs, table_ops

table_ops.main()
sandbox_list_jobs.main()
