"""The draft order editor's writes, one for sales and purchase orders: add a line (picked, scanned or typed), change
one, take one off, and a state change (confirm, cancel) under the form's key. Each area's routes.py makes its
`Editor` (how it loads an order, its services and its page), which adds the line routes to its blueprint.

Every view here runs under app.forms.form_write, so none of them commits.
"""
from dataclasses import dataclass
from typing import Callable

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional

from app.errors import BusinessRuleError
from app.formatting import plain
from app.forms import IdField, form_write, refuse
from app.inventory.queries import find_exact
from app.web import wants_fragment


class AddLineForm(FlaskForm):
    """A product to add: picked from search (product_id) or scanned/typed (code: a barcode or SKU).

    `units` is how many base units one pick means (a pack's barcode picked from search); `key` is
    the scan's UUID or the result button's key, so a double tap or a replayed scan adds once.
    """

    product_id = IdField(validators=[Optional()])
    code = StringField(validators=[Optional(), Length(max=100)])
    units = StringField(validators=[Optional(), Length(max=20)])
    key = HiddenField(validators=[Optional(), Length(max=100)])


@dataclass(frozen=True)
class Editor:
    """One area's order editor: `area` is its blueprint, `load(order_id, for_update=False)` its order or 404,
    `services` its module (add_line, update_line, remove_line, LineInput), `terms` the line's editable figures
    after the quantity, and `show(order, status=200, **context)` its order page (the lines alone for htmx)."""

    area: str
    load: Callable
    services: object
    terms: tuple[str, ...]
    show: Callable

    def url(self, order_id: int) -> str:
        return url_for(f"{self.area}.show", order_id=order_id)

    def changed(self, order_id: int, **context):
        """After a change: the lines and totals for htmx, else back to the order (Post/Redirect/Get)."""
        if wants_fragment():
            return self.show(self.load(order_id), **context)
        return redirect(self.url(order_id), 303)

    def refused(self, order_id: int, form, error: BusinessRuleError, **context):
        """A refused change: nothing is saved; the lines (or the page) with the reason, 422."""
        refuse(form, error)
        return self.show(self.load(order_id), status=422, **context)

    def add_routes(self, bp, prefix: str, allowed) -> None:
        """The line routes on the area's blueprint (`prefix` is its order URL, `allowed` its writers' allow(...)):
        add_line, update_line, remove_line."""

        def add_line(order_id):
            """Add a picked, scanned or typed product to a draft, once per key (a scan's UUID); answers with the lines."""
            return self.add_line(order_id, AddLineForm())

        def update_line(order_id, line_id):
            """Save a line's quantity and terms as typed; refused input saves nothing (422)."""
            return self.update_line(order_id, line_id)

        def remove_line(order_id, line_id):
            """Take a line off a draft (again is harmless: it is simply gone)."""
            return self.remove_line(order_id, line_id)

        for rule, view in ((f"{prefix}/lines", form_write(add_line, replay=self.changed)),
                           (f"{prefix}/lines/<int:line_id>", form_write(update_line)),
                           (f"{prefix}/lines/<int:line_id>/remove", form_write(remove_line))):
            bp.add_url_rule(rule, view.__name__, allowed(view), methods=["POST"])

    def add_line(self, order_id: int, form):
        """Add a picked, scanned or typed product to the draft (form_write adds it once per scan key)."""
        order = self.load(order_id, for_update=True)
        try:
            line = self.services.add_line(g.user, order, self._line_to_add(form))
        except BusinessRuleError as error:
            return self.refused(order_id, form, error, add_error=str(error.message))
        return self.changed(order_id, added=line.product_id)  # the line just added (or raised) stands out

    def _line_to_add(self, form):
        if not form.validate():
            raise BusinessRuleError(_("Unknown product."), "product_id")
        if form.product_id.data:
            return self.services.LineInput(form.product_id.data, (form.units.data or "1").strip())
        found = find_exact(form.code.data or "")
        if found is None:
            raise BusinessRuleError(_("No product has the barcode or SKU %(code)s.", code=(form.code.data or "").strip()),
                                    "code")
        product, units = found  # a pack's barcode adds all its units
        return self.services.LineInput(product.id, units)

    def update_line(self, order_id: int, line_id: int):
        """Save a line's quantity and terms as typed; refused input saves nothing (422)."""
        order = self.load(order_id, for_update=True)
        line = next((line for line in order.lines if line.id == line_id), None)
        if line is None:  # removed meanwhile (another tab): show what is there now
            return self.changed(order_id)
        typed = {name: request.form.get(name) for name in ("qty", "qty_set", *self.terms)}
        if qty_set := typed.pop("qty_set"):  # the − / + buttons without JavaScript
            typed["qty"] = qty_set
        elif typed["qty"] is None:
            typed["qty"] = plain(line.qty)
        try:
            self.services.update_line(g.user, order, line_id, self.services.LineInput(line.product_id, **typed))
        except BusinessRuleError as error:
            return self.refused(order_id, FlaskForm(), error,
                                invalid={line_id: {"message": str(error.message), "field": error.field, **typed}})
        return self.changed(order_id)

    def remove_line(self, order_id: int, line_id: int):
        """Take a line off the draft (again is harmless: it is simply gone)."""
        order = self.load(order_id, for_update=True)
        if any(line.id == line_id for line in order.lines):
            try:
                self.services.remove_line(g.user, order, line_id)
            except BusinessRuleError as error:
                return self.refused(order_id, FlaskForm(), error, add_error=str(error.message))
        return self.changed(order_id)

    def act(self, order_id: int, form, act: Callable, message: Callable, **offers):
        """A state change (`act(order)`) under the form's key; a refusal comes back on the order's page (422), with
        what `offers` make of the refusal for areas that offer something there (the owner's approval)."""
        order = self.load(order_id, for_update=True)
        try:
            act(order)
        except BusinessRuleError as error:
            extra = {name: decide(error) for name, decide in offers.items()}
            return self.refused(order_id, form, error, refusal=error, **extra)
        flash(message(order), "success")
        return redirect(self.url(order_id))
