"""A local, stateful stand-in of the Databricks workspace REST API.

The real `databricks-sdk` WorkspaceClient talks to it over HTTP exactly as to a workspace:
jobs and runs, compute, SQL warehouses, secrets, Unity Catalog, workspace objects and
permissions, with faults on demand. For rehearsals, the demo and every workspace test.

    sandbox = standby.sandbox.start(name="primary", seed="demo")
    w = sandbox.client()           # WorkspaceClient(host=sandbox.url, token=sandbox.token)
    sandbox.set_faults(throttle_rate=0.2)
    sandbox.stop()
"""

from __future__ import annotations

from standby.sandbox.api import Clock
from standby.sandbox.faults import Faults
from standby.sandbox.instance import RunningSandbox, start

__all__ = ["Clock", "Faults", "RunningSandbox", "start"]
