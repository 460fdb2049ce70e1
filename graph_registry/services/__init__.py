"""Use cases: the registry's rules and transactions. No GraphQL, no driver types."""
