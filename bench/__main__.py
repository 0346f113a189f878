"""`make bench`: every benchmark, one table each."""

from bench import (
    drills,
    failback,
    failover,
    follow_lag,
    follow_scale,
    replication,
    sandbox_list_jobs,
    scale,
    spark_copy,
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
scale.main([])
failover.main()
failback.main(["--only", "requests"])  # failback RTO: failover.main() prints it
drills.main()
spark_copy.main()
follow_scale.main()
