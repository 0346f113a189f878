"""`make bench`: every benchmark, one table each."""

from bench import (
    drills,
    failover,
    follow_lag,
    replication,
    sandbox_list_jobs,
    startup,
    table_ops,
    workspace_export,
)

startup.main()
table_ops.main()
replication.main()
follow_lag.main()
sandbox_list_jobs.main()
workspace_export.main()
failover.main()
drills.main()
