"""The site's pages, one module per page kind; each registers its sections on import.

home, mineral (mineral_supply, mineral_concentration, mineral_trade, mineral_marts and, for downstream products,
mineral_downstream hold its sections), country,
scenarios, data (downloads, sources, quality), methodology, changelog. Importing this package
registers every section (``transforms.site.sections.SECTIONS``).
"""

from transforms.site.pages import (  # noqa: F401  (imported for their registered sections)
    changelog,
    country,
    data,
    home,
    methodology,
    mineral,
    mineral_concentration,
    mineral_downstream,
    mineral_marts,
    mineral_supply,
    mineral_trade,
    scenarios,
)
