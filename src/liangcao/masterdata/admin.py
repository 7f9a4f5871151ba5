"""This app has no models: it writes through orgs and the ledger, whose admins list the rows."""
