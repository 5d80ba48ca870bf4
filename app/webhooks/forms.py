"""The endpoint form: input shape only (app.webhooks.services checks the address and the events again)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.webhooks.events import EVENT_TYPES
from app.webhooks.services import ALL, MAX_URL

# What each event type is called on the screen (the type's own name is shown beside it: receivers see that).
LABELS = {
    "product.created": _l("Product added"), "product.updated": _l("Product changed"),
    "stock.below_min": _l("Stock fell below minimum"), "stock.above_max": _l("Stock rose above maximum"),
    "customer.created": _l("Customer added"), "customer.updated": _l("Customer changed"),
    "supplier.created": _l("Supplier added"), "supplier.updated": _l("Supplier changed"),
    "sales_order.created": _l("Sales order drafted"), "sales_order.confirmed": _l("Sales order confirmed"),
    "sales_order.cancelled": _l("Sales order cancelled"), "sales_delivery.created": _l("Goods delivered"),
    "sales_invoice.created": _l("Sales slip made"), "sales_receipt.created": _l("Money received"),
    "sales_return.created": _l("Sales return"), "purchase_order.created": _l("Purchase order drafted"),
    "purchase_order.confirmed": _l("Purchase order confirmed"),
    "purchase_order.cancelled": _l("Purchase order cancelled"), "purchase_receipt.created": _l("Goods received"),
    "purchase_invoice.created": _l("Supplier invoice entered"), "purchase_payment.created": _l("Supplier paid"),
    "purchase_return.created": _l("Purchase return"), "stocktake.posted": _l("Stocktake posted"),
    "webhook.test": _l("Test event"),
}
assert set(EVENT_TYPES) <= set(LABELS)


class EndpointForm(FlaskForm):
    url = StringField(_l("Address (URL)"), validators=[DataRequired(message=_l("Enter the address.")),
                                                       Length(max=MAX_URL)],
                      render_kw={"inputmode": "url", "autocomplete": "off", "placeholder": "https://"})
    description = StringField(_l("Description"), validators=[Length(max=200)], render_kw={"autocomplete": "off"})
    all_events = BooleanField(_l("All events, including ones added later"))
    events = SelectMultipleField(_l("Events"), choices=[SelectChoice(name, LABELS[name]) for name in EVENT_TYPES],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    active = BooleanField(_l("Active (send events to it)"), default=True)
    idempotency_key = HiddenField()

    def chosen_events(self) -> list[str]:
        return [ALL] if self.all_events.data else list(self.events.data or ())

    def values(self) -> dict:
        return {"url": self.url.data or "", "description": self.description.data or "",
                "events": self.chosen_events(), "active": self.active.data}

    @classmethod
    def of(cls, endpoint) -> "EndpointForm":
        return cls(data={"url": endpoint.url, "description": endpoint.description, "active": endpoint.active,
                         "all_events": ALL in endpoint.events,
                         "events": [] if ALL in endpoint.events else endpoint.events})
