"""How often one person may see full sensitive values (issue 14 finding 4; R-PM-02).

A stated reason makes each reveal accountable, but not bulk copying: finance revealed 40 ID
numbers in 0.1 s. So each person has a budget of ``per_hour`` acts of revealing in any rolling
hour. What counts as one act:

- a reveal (查看完整信息) of one field of one customer;
- a full customer sheet (打印完整信息), which shows that customer's sensitive values at once —
  one act, like one reveal: the budget is how many customers' full details a person opens, and
  a full print is already watermarked with their name and logged with its reason.

Refusals do not count: hammering past the limit must not push the end of the wait further
away. The count comes from the audit trail (the successful events of the last hour), so it
holds across processes and survives restarts; the service counts after appending its own
event, under the audit head's lock, so two concurrent reveals cannot both take the last place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm.errors import ConfigurationError, RateLimited

__all__ = ["REVEAL_ACTIONS", "RevealPolicy", "RevealRateExceeded"]

# The audit actions that are acts of revealing: crm.accounts.service.reveal and the full sheet.
REVEAL_ACTIONS = ("customer.reveal", "customer.sheet_full")


class RevealRateExceeded(RateLimited):
    code = "access.reveal_rate"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


@dataclass(frozen=True)
class RevealPolicy:
    per_hour: int = 30
    window: dt.timedelta = dt.timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.per_hour < 1:
            raise ConfigurationError(f"CRM_REVEAL_RATE_PER_HOUR must be at least 1, got {self.per_hour}")

    def window_start(self, now: dt.datetime) -> dt.datetime:
        """Events after this instant count against the limit: an hour-old one has just expired."""
        return now - self.window

    def check(self, *, revealed: int) -> None:
        """``revealed``: the person's acts of revealing in the window, the one being made included."""
        if revealed > self.per_hour:
            raise RevealRateExceeded(
                f"查看完整信息过于频繁：每小时最多 {self.per_hour} 次，请稍后再试；确有需要请联系主管 / "
                f"Too many full values revealed: at most {self.per_hour} an hour. Try again later, "
                "or ask your manager if the work needs more"
            )
