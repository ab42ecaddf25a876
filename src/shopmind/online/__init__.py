"""Online measurement: impressions, attribution, metrics per surface × model version × day, online
experiments, and learning from clicks (docs/online.md)."""
