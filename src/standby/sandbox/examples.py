"""Request bodies in the form of the public Jobs, Clusters and SQL Warehouses API
documentation's examples: multi-task jobs with job clusters and shared job clusters;
notebook, JAR, Python wheel, SQL and dbt tasks; schedules, triggers and continuous runs;
email and webhook notifications; permissions. `seed docs` creates them over raw HTTP, and
the tests check that `get` returns what `create` was given.
"""

from __future__ import annotations

from typing import Any

AUTOSCALING_CLUSTER: dict[str, Any] = {
    "spark_version": "7.3.x-scala2.12",
    "node_type_id": "i3.xlarge",
    "spark_conf": {"spark.speculation": True},
    "aws_attributes": {"availability": "SPOT", "zone_id": "us-west-2a"},
    "autoscale": {"min_workers": 2, "max_workers": 16},
}

MULTI_TASK_JOB: dict[str, Any] = {
    "name": "A multitask job",
    "tags": {"cost-center": "engineering", "team": "jobs"},
    "tasks": [
        {
            "task_key": "Sessionize",
            "description": "Extracts session data from events",
            "existing_cluster_id": "0923-164208-meows279",
            "spark_jar_task": {
                "main_class_name": "com.databricks.Sessionize",
                "parameters": ["--data", "dbfs:/path/to/data.json"],
            },
            "libraries": [{"jar": "dbfs:/mnt/databricks/Sessionize.jar"}],
            "timeout_seconds": 86400,
            "max_retries": 3,
            "min_retry_interval_millis": 2000,
            "retry_on_timeout": False,
        },
        {
            "task_key": "Orders_Ingest",
            "description": "Ingests order data",
            "job_cluster_key": "auto_scaling_cluster",
            "spark_jar_task": {
                "main_class_name": "com.databricks.OrdersIngest",
                "parameters": ["--data", "dbfs:/path/to/order-data.json"],
            },
            "libraries": [{"jar": "dbfs:/mnt/databricks/OrderIngest.jar"}],
            "timeout_seconds": 86400,
            "max_retries": 3,
            "min_retry_interval_millis": 2000,
            "retry_on_timeout": False,
        },
        {
            "task_key": "Match",
            "description": "Matches orders with user sessions",
            "depends_on": [{"task_key": "Orders_Ingest"}, {"task_key": "Sessionize"}],
            "new_cluster": AUTOSCALING_CLUSTER,
            "notebook_task": {
                "notebook_path": "/Users/user.name@databricks.com/Match",
                "source": "WORKSPACE",
                "base_parameters": {"name": "John Doe", "age": "35"},
            },
            "timeout_seconds": 86400,
            "max_retries": 3,
            "min_retry_interval_millis": 2000,
            "retry_on_timeout": False,
            "run_if": "ALL_SUCCESS",
        },
    ],
    "job_clusters": [
        {"job_cluster_key": "auto_scaling_cluster", "new_cluster": AUTOSCALING_CLUSTER}
    ],
    "email_notifications": {
        "on_start": ["user.name@databricks.com"],
        "on_success": ["user.name@databricks.com"],
        "on_failure": ["user.name@databricks.com"],
        "on_duration_warning_threshold_exceeded": ["user.name@databricks.com"],
        "no_alert_for_skipped_runs": False,
    },
    "webhook_notifications": {
        "on_start": [{"id": "0481e838-0a59-4eff-9541-a4ca6f149574"}],
        "on_failure": [{"id": "0481e838-0a59-4eff-9541-a4ca6f149574"}],
    },
    "notification_settings": {
        "no_alert_for_skipped_runs": False,
        "no_alert_for_canceled_runs": False,
    },
    "timeout_seconds": 86400,
    "health": {"rules": [{"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": 10}]},
    "schedule": {
        "quartz_cron_expression": "20 30 * * * ?",
        "timezone_id": "Europe/London",
        "pause_status": "UNPAUSED",
    },
    "max_concurrent_runs": 10,
    "queue": {"enabled": True},
    "parameters": [{"name": "table", "default": "users"}],
    "access_control_list": [
        {"user_name": "jsmith@example.com", "permission_level": "CAN_MANAGE"},
        {"group_name": "data-engineers", "permission_level": "CAN_MANAGE_RUN"},
    ],
}

WHEEL_JOB: dict[str, Any] = {
    "name": "Python wheel job",
    "tasks": [
        {
            "task_key": "wheel",
            "job_cluster_key": "shared",
            "python_wheel_task": {
                "package_name": "my_package",
                "entry_point": "run",
                "parameters": ["--env", "prod"],
            },
            "libraries": [
                {"whl": "dbfs:/FileStore/wheels/my_package-0.1-py3-none-any.whl"},
                {"pypi": {"package": "requests==2.32.3"}},
            ],
        },
        {
            "task_key": "report",
            "depends_on": [{"task_key": "wheel"}],
            "job_cluster_key": "shared",
            "spark_python_task": {
                "python_file": "dbfs:/FileStore/scripts/report.py",
                "parameters": ["--date", "{{job.start_time.iso_date}}"],
            },
        },
    ],
    "job_clusters": [
        {
            "job_cluster_key": "shared",
            "new_cluster": {
                "spark_version": "14.3.x-scala2.12",
                "node_type_id": "i3.xlarge",
                "num_workers": 2,
                "spark_env_vars": {"PYSPARK_PYTHON": "/databricks/python3/bin/python3"},
            },
        }
    ],
    "trigger": {
        "pause_status": "UNPAUSED",
        "file_arrival": {
            "url": "s3://landing/incoming/",
            "min_time_between_triggers_seconds": 60,
            "wait_after_last_change_seconds": 120,
        },
    },
    "email_notifications": {"on_failure": ["oncall@example.com"]},
}

SQL_AND_DBT_JOB: dict[str, Any] = {
    "name": "SQL and dbt job",
    "git_source": {
        "git_url": "https://github.com/databricks/dbt-databricks-example",
        "git_provider": "gitHub",
        "git_branch": "main",
    },
    "tasks": [
        {
            "task_key": "refresh_query",
            "sql_task": {
                "query": {"query_id": "a1b2c3d4-0000-1111-2222-333344445555"},
                "warehouse_id": "5f4a7e5b7c1d2e3f",
                "parameters": {"region": "emea"},
            },
        },
        {
            "task_key": "daily_sql_file",
            "sql_task": {
                "file": {"path": "queries/daily.sql", "source": "GIT"},
                "warehouse_id": "5f4a7e5b7c1d2e3f",
            },
        },
        {
            "task_key": "dbt",
            "depends_on": [{"task_key": "daily_sql_file"}],
            "dbt_task": {
                "commands": ["dbt deps", "dbt seed", "dbt run"],
                "project_directory": "",
                "warehouse_id": "5f4a7e5b7c1d2e3f",
                "catalog": "main",
                "schema": "analytics",
            },
            "environment_key": "dbt",
        },
    ],
    "environments": [
        {"environment_key": "dbt", "spec": {"client": "1", "dependencies": ["dbt-databricks>=1.8"]}}
    ],
    "continuous": {"pause_status": "PAUSED"},
    "run_as": {"service_principal_name": "8d9c7b6a-1234-5678-9abc-def012345678"},
}

JOB_EXAMPLES = (MULTI_TASK_JOB, WHEEL_JOB, SQL_AND_DBT_JOB)

CLUSTER_EXAMPLES: tuple[dict[str, Any], ...] = (
    {
        "cluster_name": "single-node-cluster",
        "spark_version": "14.3.x-scala2.12",
        "node_type_id": "i3.xlarge",
        "num_workers": 0,
        "spark_conf": {"spark.databricks.cluster.profile": "singleNode", "spark.master": "[*, 4]"},
        "custom_tags": {"ResourceClass": "SingleNode"},
    },
    {
        "cluster_name": "autoscaling-cluster",
        "spark_version": "7.3.x-scala2.12",
        "node_type_id": "i3.xlarge",
        "autoscale": {"min_workers": 2, "max_workers": 50},
        "autotermination_minutes": 60,
    },
    {
        "cluster_name": "memoptimized-cluster-1",
        "spark_version": "7.3.x-scala2.12",
        "node_type_id": "r3.xlarge",
        "spark_conf": {"spark.speculation": True},
        "aws_attributes": {"availability": "SPOT", "zone_id": "us-west-2a"},
        "num_workers": 25,
        "init_scripts": [{"workspace": {"destination": "/Shared/init/install-libs.sh"}}],
    },
)

WAREHOUSE_EXAMPLES: tuple[dict[str, Any], ...] = (
    {
        "name": "My SQL Warehouse",
        "cluster_size": "2X-Small",
        "min_num_clusters": 1,
        "max_num_clusters": 10,
        "auto_stop_mins": 120,
        "tags": {"custom_tags": [{"key": "mykey", "value": "myvalue"}]},
        "spot_instance_policy": "COST_OPTIMIZED",
        "enable_photon": True,
        "enable_serverless_compute": True,
        "channel": {"name": "CHANNEL_NAME_CURRENT"},
        "warehouse_type": "PRO",
    },
    {
        "name": "Classic warehouse",
        "cluster_size": "Medium",
        "auto_stop_mins": 45,
        "warehouse_type": "CLASSIC",
        "enable_photon": False,
        "spot_instance_policy": "RELIABILITY_OPTIMIZED",
    },
)
