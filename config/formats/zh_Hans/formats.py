"""How dates and times read in Chinese on our pages (viewflow's lists and widgets included): the
numeric form Chinese offices write, one format everywhere."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "m-d H:i"
