"""In-app notifications: what the app tells one user (a scheduled report, for now), counted on the header's bell."""
