"""The bad-input gauntlet: corrupted copies of the real upstream files, and what the user sees.

``cases.yaml`` lists the cases as data; ``corrupt.py`` holds the corruptions they name;
``cases.py`` loads and validates the file; ``runner.py`` writes a case's upstream folder, runs
``briefing snapshot`` (or ``briefing build --from-upstream``) on it and judges the outcome.
``tests/test_gauntlet.py`` asserts every outcome; ``scripts/make_gauntlet.py`` writes the table
of outcomes shown on the site's data-quality page.
"""
