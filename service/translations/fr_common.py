"""French for the words every staff page shares: the header, the footer, the error page."""

FR: dict[str, str] = {}
