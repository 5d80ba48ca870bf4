"""Scheduled reports: the owner and finance subscribe to a daily or weekly summary by email, in the app and to a
WeCom group robot; the SMTP server the email goes through."""
