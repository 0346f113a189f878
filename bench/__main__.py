"""`make bench`: every benchmark, one table each."""

from bench import table_ops

table_ops.main()
