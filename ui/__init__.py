"""Presentation: Vietnamese formatting and labels, pure figure builders, shared controls, cached data access."""
