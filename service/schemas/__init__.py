"""The marshmallow schemas of the service, shared by the JSON API and the pages.

``base`` holds what every schema builds on (Vietnamese messages, strict field
types, common ranges); ``dossiers``, ``rounds`` and ``salaries`` hold the input
schemas (``…In``: the API reads request bodies with them, the pages check their
forms with the same classes) and the output schemas (``…Out``) of each domain,
with the limits both sides apply (``rounds.MAX_DEFINITION_BYTES``).
"""
