"""Report intake: read, validate and store the provinces' daily report files (CSV or XLSX) through db.store."""
