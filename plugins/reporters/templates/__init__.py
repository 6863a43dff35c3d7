"""Templates and static assets of the HTML report (data only)."""
