"""Reading uploaded spreadsheets safely, their columns, and the workbooks offered for
download (templates and error reports). Writes live in ``exchange.import_services``."""
