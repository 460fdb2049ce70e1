"""The GraphQL API and HTTP surface. Resolvers call services and map their records; nothing here talks to a driver."""
