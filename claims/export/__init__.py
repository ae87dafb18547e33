"""Records as JSON, for the API, the CLI and exports. No Flask here."""
