"""The dashboard: every page has a JSON twin made by the same function. Only this package speaks HTTP."""
