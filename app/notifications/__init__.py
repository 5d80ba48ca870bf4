"""In-app notifications: what the app tells one user (a scheduled report, for now), with the unread count on the bell."""
