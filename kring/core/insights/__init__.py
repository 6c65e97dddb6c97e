"""Anonymous statistics for the organisation: aggregation, small-cell suppression, charts."""
