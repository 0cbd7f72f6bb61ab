"""The programme workbook: what each sheet holds (``sheets``), how rows reach the file
(``writer``), and the job that puts them together with its progress (``build``)."""
