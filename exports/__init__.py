"""Handouts built from the same query frames the pages show (spreadsheets now; slides later)."""
