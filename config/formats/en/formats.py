"""How dates and times read in English on our pages (viewflow's lists and widgets included): one
format, year first, 24-hour clock, like the Chinese pages, so colleagues quote the same text."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "m-d H:i"
