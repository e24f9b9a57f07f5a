"""Dutch date formats of the interface: "1 dec. 2026", as Dutch readers abbreviate months."""

DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y H:i"
