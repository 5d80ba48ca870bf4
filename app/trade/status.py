"""An order's status: its label, the rules its flow gives, and the status derived from its lines' delivered or
received and invoiced quantities and its invoices."""
import enum
from typing import NamedTuple

from flask_babel import lazy_gettext as _l


class Flow(NamedTuple):
    """The statuses one side's orders go through, named the same way for both."""

    draft: object
    confirmed: object
    partial: object  # some goods delivered or received
    complete: object  # all goods delivered or received, not all invoiced
    invoiced: object
    paid: object
    cancelled: object


class TradeStatus(enum.StrEnum):
    """A sales or purchase order status: each side's enum names its members and describe()s them."""

    @property
    def label(self):
        return _DESCRIBED[type(self)][0][self]

    @classmethod
    def flow(cls) -> Flow:
        return _DESCRIBED[cls][1]

    @property
    def in_progress(self) -> bool:
        """Confirmed, with goods still to deliver or receive."""
        return self in (self.flow().confirmed, self.flow().partial)

    @property
    def can_cancel(self) -> bool:
        return self in (self.flow().draft, self.flow().confirmed)


_DESCRIBED: dict[type, tuple[dict, Flow]] = {}


def describe(status: type[TradeStatus], flow: Flow, labels: dict) -> None:
    """Say which of a status enum's members play which part in an order's flow, and give them labels: draft,
    confirmed and cancelled are named alike on both sides, `labels` names the rest."""
    _DESCRIBED[status] = ({flow.draft: _l("Draft"), flow.confirmed: _l("Confirmed"), flow.cancelled: _l("Cancelled"),
                           **labels}, flow)


def refresh_status(order) -> None:
    """The status that follows from what was delivered or received, invoiced and paid (drafts and cancelled orders
    keep theirs). `line.moved_qty` is what was delivered or received."""
    flow, lines = order.status.flow(), order.lines
    if order.status in (flow.draft, flow.cancelled):
        return
    if any(line.moved_qty < line.qty for line in lines):
        order.status = flow.partial if any(line.moved_qty > 0 for line in lines) else flow.confirmed
    elif any(line.invoiceable > 0 for line in lines) or not order.invoices:
        order.status = flow.complete
    elif all(invoice.open_amount <= 0 for invoice in order.invoices):
        order.status = flow.paid
    else:
        order.status = flow.invoiced
