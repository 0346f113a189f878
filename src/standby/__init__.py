"""standby: disaster recovery for Databricks lakehouses."""

__version__ = "0.1.0"
