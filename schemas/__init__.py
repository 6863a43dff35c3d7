"""JSON Schemas: canonical document, rule pack, findings report (data only)."""
