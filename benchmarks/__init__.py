"""Benchmarks of the briefing's transforms at full upstream scale (not part of the test run)."""
