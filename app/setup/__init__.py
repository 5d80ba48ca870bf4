"""First run: creating the company and its owner, the go-live checklist and clearing demo data."""
