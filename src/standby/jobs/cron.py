"""standby.yml's five-field cron (minute hour day-of-month month day-of-week) as the Quartz
expression Databricks job schedules take (seconds first; `?` in one day field; days of the
week numbered 1-7 from Sunday instead of 0-7)."""

from __future__ import annotations

from standby.errors import BadInput

MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


def quartz(cron: str) -> str:
    """The Quartz expression of a (validated) five-field cron or macro.

    Raises BadInput when both day fields are restricted: Quartz cannot say "either".
    """
    text = MACROS.get(cron.strip(), cron.strip())
    minute, hour, dom, month, dow = text.split()
    if dom != "*" and dow != "*":
        raise BadInput(
            f"The schedule {cron!r} restricts both the day of the month and the day of the "
            "week; a Databricks (Quartz) schedule can restrict only one.",
            hint="Use two policies, or a schedule with '*' in one of the two day fields.",
        )
    if dow == "*":
        dow = "?"
    else:
        dom = "?"
        dow = ",".join(_weekday(part) for part in dow.split(","))
    return f"0 {minute} {hour} {dom} {month} {dow}"


def _weekday(part: str) -> str:
    """One comma-separated part of a cron day-of-week field in Quartz numbering."""
    base, slash, step = part.partition("/")
    if base == "*":
        return f"1/{step}" if slash else "*"
    ends = base.split("-")
    if not all(e.isdigit() for e in ends):
        return part  # day names (sun-sat) mean the same in both
    lo, hi = int(ends[0]), int(ends[-1])
    days = range(lo, hi + 1, int(step) if slash else 1)
    return ",".join(str(d % 7 + 1) for d in sorted(set(days), key=lambda d: d % 7))
