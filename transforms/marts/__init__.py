"""Marts: metrics and scenarios computed from the clean tables (concentration, dependence,
supply risk, export ban, stockpiles, price floors, export-control events)."""
