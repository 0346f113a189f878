"""`make bench`: every benchmark, one table each."""

from bench import (
    follow_scale,
    replication,
    sandbox_list_jobs,
    spark_copy,
    startup,
    table_ops,
    workspace_export,
)

startup.main()
table_ops.main()
replication.main()
sandbox_list_jobs.main()
workspace_export.main()
spark_copy.main()
follow_scale.main()
