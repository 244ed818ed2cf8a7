"""The briefing site's pure helpers: page models, figures, charts, escaping, downloads, publishing.

No Dagster here: ``orchestration/assets/site.py`` wraps ``builder.build_site`` (pages into a
fresh docs folder) and ``publish.build_and_publish`` (MkDocs, atomic swap into ``public/``).
Each page kind has a module in ``pages/``; the sections of a page are registered in
``sections.SECTIONS``.
Templates, theme overrides and static assets live in ``site/`` at the repository root.
"""
