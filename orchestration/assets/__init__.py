"""Dagster assets, one module per layer: snapshot → clean → marts → site."""
