"""Pages, one module per area: the list and its exports, a family, review, quality, coordinator."""
