"""Capacity and cost: what following the protected set asks of storage, and what copying
it needs (`standby plan`)."""

from __future__ import annotations

from standby.capacity.model import CapacityPlan, TierPlan, capacity_plan, last_day

__all__ = ["CapacityPlan", "TierPlan", "capacity_plan", "last_day"]
