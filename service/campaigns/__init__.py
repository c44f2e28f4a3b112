"""Campaigns as data: definition files (YAML), their schema, metrics and derived values.

Nothing here touches Flask or the database: ``parse_definition`` turns the
text of a file from ``campaigns/`` into a checked, plain definition, and
``service.operations.campaigns`` stores it.
"""
