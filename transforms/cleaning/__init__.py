"""Clean-layer transforms for the sources added on 2026-11-30 (IEA, BGS, China monthly exports,
OECD export restrictions, magnets, World Bank prices): pure functions from parsed frames (see
``transforms/parsers``) and reference frames to typed clean tables, one module per source."""
