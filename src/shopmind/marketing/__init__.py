"""Marketing intelligence: profiles, RFM, CLV, churn, segments, uplift, campaigns, A/B tests, charts."""
