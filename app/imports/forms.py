"""The upload form every kind shares; a kind with options subclasses it (Kind.form)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField

ACCEPT = ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"


class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (.xlsx or .csv, up to 2 MB)"), render_kw={"accept": ACCEPT})
    upload = HiddenField()  # the previewed file, signed (reading.sign_file)
    digest = HiddenField()  # what the preview planned (Preview.digest)
    idempotency_key = HiddenField()
