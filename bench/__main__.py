"""`make bench`: every benchmark, one table each."""

from bench import drills, failover, replication, sandbox_list_jobs, table_ops, workspace_export

table_ops.main()
replication.main()
sandbox_list_jobs.main()
workspace_export.main()
failover.main()
drills.main()
