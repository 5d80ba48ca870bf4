"""The import screens, one flow for every kind: the list of kinds, upload → preview → confirm, template, report."""
from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from app.auth.roles import EVERYONE, allow
from app.errors import BusinessRuleError
from app.forms import form_write, new_key, refuse, refused
from app.imports import framework, reading, workbooks
from app.imports.forms import ImportForm
from app.web import render

bp = Blueprint("imports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_context_processor
def _import_links():
    """`may_import("customers")` in any template: whether to offer that import to the signed-in user."""
    def may_import(name: str) -> bool:
        kind = framework.kind(name)
        return kind is not None and kind.allows(g.get("user"))
    return {"may_import": may_import}


def _kind(name: str) -> framework.Kind:
    kind = framework.kind(name) or abort(404)
    return kind if kind.allows(g.user) else abort(403)


def _form(kind: framework.Kind) -> ImportForm:
    return (kind.form or ImportForm)(idempotency_key=new_key())


@bp.route("/imports")
@allow(EVERYONE)
def index():
    """The kinds of data this user may bring in, each with its template."""
    return render("imports/index.html", kinds=framework.kinds_for(g.user))


@bp.route("/imports/<name>", methods=["GET", "POST"], endpoint="kind")
@allow(EVERYONE)
@form_write
def upload(name):
    """Upload a spreadsheet, see every row checked, confirm: all rows are imported, or none."""
    kind = _kind(name)
    form = _form(kind)
    if not form.validate_on_submit():
        return render("imports/upload.html", kind=kind, form=form, status=422 if form.errors else 200)
    confirm = request.form.get("action") == "confirm"
    try:
        filename, data = _uploaded_file(form)
        options = kind.options(form)
    except BusinessRuleError as error:
        refuse(form, error)
        return render("imports/upload.html", kind=kind, form=form,
                      status=400 if error.problem == "bad-request" else 422)
    if confirm:
        try:
            _checked, written = framework.confirm(kind, g.user, filename, data, options, form.digest.data)
        except framework.ImportFailed as error:
            refused()  # the rows are shown again with their problems, from what is saved
            checked = error.preview
        else:
            return _imported(kind, written)
    else:
        checked = framework.preview(kind, filename, data, options)
    form.upload.data = reading.sign_file(filename, data)
    form.digest.data = checked.digest
    return render("imports/preview.html", kind=kind, form=form, preview=checked,
                  status=422 if checked.problems else 200)


def _uploaded_file(form: ImportForm) -> tuple[str, bytes]:
    """The file just uploaded, or the previewed one carried back signed."""
    upload = form.file.data
    if upload and upload.filename:
        data = upload.read(reading.MAX_BYTES + 1)
        reading.check_size(data)
        return upload.filename, data
    if form.upload.data:
        return reading.unsign_file(form.upload.data)
    raise BusinessRuleError(_("Choose a file to upload."), "file")


def _imported(kind: framework.Kind, written: framework.Written):
    message = _("Imported %(count)s rows: %(created)s new, %(updated)s updated.",
                count=written.created + written.updated, created=written.created, updated=written.updated)
    flash(f"{message} {written.note}".strip(), "success")
    return redirect(url_for("imports.kind", name=kind.name), 303)


@bp.route("/imports/<name>/template")
@allow(EVERYONE)
def template(name):
    """The kind's workbook to fill in: headers, an example row, dropdowns and a notes sheet."""
    kind = _kind(name)
    return _xlsx(workbooks.template_xlsx(kind), f"{kind.name}-import-template.xlsx")


@bp.route("/imports/<name>/report", methods=["POST"])
@allow(EVERYONE)
def report(name):
    """The previewed file again as .xlsx, each row with its problems beside it."""
    kind = _kind(name)
    form = _form(kind)
    if not form.validate_on_submit() or not form.upload.data:
        abort(400)
    try:
        filename, data = reading.unsign_file(form.upload.data)
        options = kind.options(form)
    except BusinessRuleError:
        abort(400)
    checked = framework.preview(kind, filename, data, options)
    stem = filename.rsplit(".", 1)[0][:60] or kind.name
    return _xlsx(workbooks.report_xlsx(checked), f"{stem}-problems.xlsx")


def _xlsx(data: bytes, filename: str) -> Response:
    from urllib.parse import quote
    disposition = f"attachment; filename=\"{kind_safe(filename)}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


def kind_safe(filename: str) -> str:
    """An ASCII stand-in for a header's plain filename= (the UTF-8 one follows it)."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename)
